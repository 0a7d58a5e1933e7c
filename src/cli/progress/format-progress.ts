import { formatBytes } from "../../index.js";

/** "1 h 02 min", "3 min 05 s", "42 s", "?" for unknown/infinite. */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/** "12.3 MiB/s". */
export function formatSpeed(bytesPerSecond: number): string {
  return `${formatBytes(Math.max(0, Math.round(bytesPerSecond)))}/s`;
}

/** "1.2 GiB / 13.0 GiB (9%)" or "1.2 GiB" when the total is unknown. */
export function formatAmount(done: number, total: number | undefined): string {
  if (total === undefined || total <= 0) return formatBytes(done);
  return `${formatBytes(done)} / ${formatBytes(total)} (${Math.min(100, Math.floor((done / total) * 100))}%)`;
}
