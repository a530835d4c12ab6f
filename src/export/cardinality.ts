// The cardinality limit: at most `max` containers are exported. The choice is sticky (a container exported
// once stays exported while it exists; newcomers fill free places in the order given), so series do not flap
// in and out of the exposition from scrape to scrape. Containers left out are counted: how many are left out
// now (a gauge) and how many times a container started being left out (a counter). Memory is bounded by the
// containers present.
export class ContainerLimit {
  private readonly kept = new Set<string>();
  private leftOut = new Set<string>();
  private total = 0;

  constructor(readonly max: number) {}

  /** The ids to export among `ids` (the containers present now, in the order newcomers should be taken). */
  select(ids: readonly string[]): Set<string> {
    const present = new Set(ids);
    for (const id of this.kept) if (!present.has(id)) this.kept.delete(id);
    for (const id of ids) {
      if (this.kept.size >= this.max) break;
      this.kept.add(id);
    }
    const now = new Set<string>();
    for (const id of ids) {
      if (this.kept.has(id)) continue;
      now.add(id);
      if (!this.leftOut.has(id)) this.total++;
    }
    this.leftOut = now;
    return new Set(this.kept);
  }

  /** Containers left out at the last `select`. */
  get excluded(): number {
    return this.leftOut.size;
  }

  /** Times a container started being left out since start (never decreases). */
  get excludedTotal(): number {
    return this.total;
  }
}
