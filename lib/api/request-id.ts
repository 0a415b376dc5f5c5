/**
 * The request's id, echoed in the response's `x-request-id` (proxy.ts for pages, the route wrapper
 * for the API): the caller's own (a load balancer's) when it is short and plain, since it ends up in
 * logs, otherwise a new one.
 */
export function requestIdOf(headers: Headers): string {
  const incoming = headers.get("x-request-id");
  return incoming && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : crypto.randomUUID();
}
