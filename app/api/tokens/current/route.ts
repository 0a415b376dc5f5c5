import { requireUser } from "@/lib/auth/get-user";
import { errorResponse } from "@/lib/http";
import { getMeteringStore } from "@/lib/metering/get-metering-store";

export const dynamic = "force-dynamic";

/** The signed-in user's allowance, read under their own Row Level Security. */
export async function GET(request: Request) {
  try {
    const user = await requireUser(request);
    const status = await getMeteringStore().getMyTokenStatus({ userId: user.id });
    return Response.json(
      {
        used: status.used,
        cap: status.cap,
        remaining: status.remaining,
        held: status.held,
        balance: status.balance,
        plan: status.plan,
        planName: status.planName,
        period: status.period,
        periodStart: status.periodStart.toISOString(),
        resetsAt: status.resetsAt.toISOString(),
      },
      { headers: { "Cache-Control": "no-store" } },
    );
  } catch (error) {
    return errorResponse(error);
  }
}
