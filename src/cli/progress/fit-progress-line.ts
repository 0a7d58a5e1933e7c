import { escapeControl } from "../escape-control.js";
import { formatAmount, formatEta, formatSpeed } from "./format-progress.js";

/** One row of the progress display. */
export interface ProgressRow {
  /** File name, or "total" / a stage name. */
  name: string;
  /** Bytes done so far. */
  done: number;
  /** Bytes in all, when known. */
  total?: number;
  /** The total is a lower bound (some sizes still unknown): shown as "13.0+ GiB", no ETA. */
  totalIsEstimate?: boolean;
  /** Bytes per second (network bytes for downloads); undefined hides the speed. */
  speed?: number;
  /** Extra words after the numbers, e.g. "2/8 files". */
  note?: string;
}

/**
 * Lay out one row to fit `columns` (it never reaches the last column, so the terminal never wraps it). At 80
 * columns a row keeps its name, a bar, bytes, speed and ETA; on narrower terminals the bar goes first, then the
 * ETA, the note and the speed, and the name shrinks (its end is kept: it tells shards apart).
 */
export function fitProgressLine(row: ProgressRow, columns: number): string {
  const width = Math.max(10, columns - 1);
  const name = escapeControl(row.name);
  const known = row.total !== undefined && row.total > 0;
  const amount =
    known && row.totalIsEstimate
      ? `${formatAmount(row.done, undefined)} / ${formatAmount(row.total!, undefined)}+`
      : formatAmount(row.done, known ? row.total : undefined);
  const eta =
    known && !row.totalIsEstimate && row.speed !== undefined
      ? `ETA ${formatEta(row.speed > 0 ? (row.total! - row.done) / row.speed : undefined)}`
      : "";
  const speed = row.speed === undefined ? "" : formatSpeed(row.speed);
  // Most important first: what is dropped when the line does not fit comes from the end.
  const optional = [speed, eta, row.note ?? ""].filter(Boolean);
  const nameMin = Math.min(name.length, 8);
  // With a bar drawn the percentage is redundant: "3.2 GiB / 16.1 GiB" instead of "... (19%)".
  const barAmount = amount.replace(/ \(\d+%\)$/, "");
  for (let keep = optional.length; keep >= 0; keep--) {
    const withBar = [barAmount, ...optional.slice(0, keep)].join("  ");
    const barRoom = width - withBar.length - 1;
    const barName = Math.min(name.length, 32, Math.max(nameMin, barRoom - 12));
    const barWidth = Math.min(30, barRoom - barName - 1);
    if (known && barWidth >= 8)
      return `${shorten(name, barName).padEnd(barName)} ${bar(row.done / row.total!, barWidth)} ${withBar}`;
    // No room for a bar: the numbers with the percentage, else without it.
    for (const right of [[amount, ...optional.slice(0, keep)].join("  "), withBar]) {
      const room = width - right.length - 1; // one space between the name and the numbers
      if (room < nameMin) continue;
      const nameWidth = Math.min(name.length, 40, room);
      return `${shorten(name, nameWidth).padEnd(nameWidth)} ${right}`;
    }
  }
  return shorten(`${name} ${amount}`, width);
}

function shorten(text: string, width: number): string {
  return text.length <= width ? text : `…${text.slice(text.length - width + 1)}`;
}

function bar(fraction: number, width: number): string {
  const inner = width - 2;
  const filled = Math.max(0, Math.min(inner, Math.floor(Math.min(1, Math.max(0, fraction)) * inner)));
  return `[${"#".repeat(filled)}${"-".repeat(inner - filled)}]`;
}
