// What the TUI needs of a recording (replay, or the history of a live monitor that has a store): the
// header's marker, the time-travel commands, a typed jump, and the latency windows only a store can give.
// The app owns no timer and reads no file or clock: the controller (src/replay/time-travel.ts) does that.
import type { LatencyWindowFrame } from '../model/types.js';

export type TimeCommand = 'stepBack' | 'stepForward' | 'minuteBack' | 'minuteForward' | 'hourBack' | 'hourForward' | 'play' | 'speed' | 'live';
export const TIME_COMMANDS: readonly TimeCommand[] = ['stepBack', 'stepForward', 'minuteBack', 'minuteForward', 'hourBack', 'hourForward', 'play', 'speed', 'live'];

/** Windows only a store holds (beyond the in-memory 5 m). */
export type StoreWindow = '15m' | '1h' | '6h' | '24h';
export const STORE_WINDOWS: readonly StoreWindow[] = ['15m', '1h', '6h', '24h'];

export interface TimeTravelControl {
  /** The header's marker ("REPLAY 2026-12-01 03:10:05 ▶ 10x", "HISTORY ..."); null while live. */
  marker(): string | null;
  /** Runs a command; returns a line for the status line, or null. */
  command(cmd: TimeCommand): string | null;
  /** Jumps to a typed time; returns an error line, or null. */
  jumpTo(text: string): string | null;
  /** The store's latency over the `w` before the frame on screen; null when it holds none. */
  storeWindow(w: StoreWindow): LatencyWindowFrame | null;
}
