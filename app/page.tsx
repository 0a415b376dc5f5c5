import { ArrowRightIcon, BarChart3Icon, GaugeIcon, MessageSquareIcon, ShieldCheckIcon } from "lucide-react";
import Link from "next/link";
import { redirect } from "next/navigation";
import { Button } from "@/components/ui/button";
import { getPageUser } from "@/lib/api/page-user";

export const dynamic = "force-dynamic";

const points = [
  { icon: MessageSquareIcon, title: "Chat with leading models", text: "Replies stream in as they are written, with markdown, code and tables." },
  { icon: GaugeIcon, title: "Every token counted", text: "Each reply shows its input and output tokens; the gauge shows what is left and when it resets." },
  { icon: ShieldCheckIcon, title: "Never over your limit", text: "Tokens are reserved before a request starts, so no burst of chats can overshoot your plan." },
  { icon: BarChart3Icon, title: "Your history, exact", text: "Every request is in your usage history, by day and by model, exportable as CSV." },
];

/** Signed out: what Tokenmeter is, in one screen. Signed in: straight to the chat. */
export default async function HomePage() {
  if (await getPageUser()) redirect("/chat");
  return (
    <main className="mx-auto flex min-h-dvh max-w-4xl flex-col justify-center gap-10 px-6 py-12">
      <div className="space-y-4">
        <p className="flex items-center gap-2 font-semibold">
          <GaugeIcon className="size-6 text-primary" aria-hidden="true" /> Tokenmeter
        </p>
        <h1 className="max-w-2xl text-4xl font-semibold tracking-tight sm:text-5xl">LLM chat with honest, exact token metering</h1>
        <p className="max-w-2xl text-lg text-muted-foreground">
          Chat with models through OpenRouter. Your plan’s allowance is metered to the token: you always see what you used, what is
          left, and when it comes back.
        </p>
        <Button asChild size="lg">
          <Link href="/sign-in?next=/chat">
            Sign in to start chatting <ArrowRightIcon aria-hidden="true" />
          </Link>
        </Button>
      </div>
      <ul className="grid gap-4 sm:grid-cols-2">
        {points.map(({ icon: Icon, title, text }) => (
          <li key={title} className="rounded-xl border bg-card p-5">
            <Icon className="size-5 text-primary" aria-hidden="true" />
            <h2 className="mt-3 font-medium">{title}</h2>
            <p className="mt-1 text-sm text-muted-foreground">{text}</p>
          </li>
        ))}
      </ul>
      <p className="text-sm text-muted-foreground">Free: 40,000 tokens a day. Pro and Max: 1,500,000 tokens a month. Prepaid balances are spent after the allowance.</p>
    </main>
  );
}
