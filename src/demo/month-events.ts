/** One account-month of events, held as parallel arrays so they can be put in time order cheaply. */

export class MonthEvents {
  readonly ts: number[] = [];
  readonly type: number[] = [];
  readonly user: number[] = [];
  readonly metadata: string[] = [];
  private readonly order: number[] = [];
  size = 0;

  clear(): void {
    this.size = 0;
  }

  add(ts: number, type: number, user: number, metadata: string): void {
    const i = this.size++;
    this.ts[i] = ts;
    this.type[i] = type;
    this.user[i] = user;
    this.metadata[i] = metadata;
  }

  /** Indexes in time order (stable, so equal timestamps keep their generation order). */
  inTimeOrder(): readonly number[] {
    const order = this.order;
    order.length = this.size;
    for (let i = 0; i < this.size; i++) order[i] = i;
    const ts = this.ts;
    return order.sort((a, b) => ts[a] - ts[b]);
  }
}
