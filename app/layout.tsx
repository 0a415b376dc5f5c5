import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: "Tokenmeter",
  description: "LLM chat with honest, exact token metering",
};

export default function RootLayout({ children }: Readonly<{ children: React.ReactNode }>) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
