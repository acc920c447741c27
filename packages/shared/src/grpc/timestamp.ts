/** google.protobuf.Timestamp as ts-proto emits it with useDate=false. */
export interface ProtoTimestamp {
  seconds: number;
  nanos: number;
}

export function toTimestamp(date: Date): ProtoTimestamp {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

export function fromTimestamp(ts: ProtoTimestamp | null | undefined): Date | undefined {
  if (!ts) return undefined;
  return new Date(ts.seconds * 1000 + Math.floor(ts.nanos / 1_000_000));
}
