/**
 * Picks the origin (`scheme://host:port`) of each backend call (lura `sd.Balancer`). `sd: "static"`
 * rotates over the configured hosts; `sd: "dns"` rotates over the hosts a DNS SRV lookup returned
 * (see `dns-srv.ts`). The HTTP backend only knows this interface.
 */
export interface Balancer {
  /** The next origin, or undefined when none is known right now. */
  pick(): string | undefined;
  /**
   * Called when `pick` found nothing: resolves once a host list is known (or known to be empty).
   * Static balancers never need it.
   */
  whenReady?(): Promise<void>;
}

/** Round robin over a fixed list; one host is returned without counting. */
export function createStaticBalancer(origins: readonly string[]): Balancer {
  // No host at all (none given, none to inherit): every call fails, as lura's balancer does with ErrNoHosts.
  if (origins.length === 0) return { pick: () => undefined };
  if (origins.length === 1) {
    const only = origins[0] as string;
    return { pick: () => only };
  }
  let next = 0;
  return {
    pick() {
      const origin = origins[next] as string;
      next = next + 1 === origins.length ? 0 : next + 1;
      return origin;
    },
  };
}
