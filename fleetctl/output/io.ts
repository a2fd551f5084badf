/**
 * Where commands write: stdout and stderr writers, and a transient progress
 * line that is only drawn when stdout is a terminal (scripts reading a pipe
 * never see it).
 */

/** Accepts text or bytes. */
export interface Writer {
  write(chunk: string | Uint8Array): void;
}

/** A command's output channels. */
export interface Output {
  readonly stdout: Writer;
  readonly stderr: Writer;
  /** True when stdout is a terminal. */
  readonly isTTY: boolean;
  /** Shows `text` as the progress line (replacing the previous one); undefined clears it. No-op unless `isTTY`. */
  progress(text: string | undefined): void;
}

const CLEAR_LINE = '\r\x1b[K';

/**
 * Wraps raw sinks. While a progress line is shown, any other write first
 * clears it, so result lines never end up glued to progress text.
 */
export function createOutput(raw: { stdout: Writer; stderr: Writer; isTTY: boolean }): Output {
  let shown = false;
  const clear = (): void => {
    if (shown) {
      raw.stdout.write(CLEAR_LINE);
      shown = false;
    }
  };
  return {
    isTTY: raw.isTTY,
    stdout: { write: (c) => (clear(), raw.stdout.write(c)) },
    stderr: { write: (c) => (clear(), raw.stderr.write(c)) },
    progress(text) {
      if (!raw.isTTY) return;
      if (text === undefined) return clear();
      raw.stdout.write(`${CLEAR_LINE}${text}`);
      shown = true;
    },
  };
}

/** An output that records everything (for tests and for capturing help text). */
export interface BufferedOutput extends Output {
  /** Everything written to stdout, progress control sequences included when `isTTY`. */
  readonly out: () => string;
  readonly err: () => string;
}

/** Builds a {@link BufferedOutput}; `isTTY` defaults to false. */
export function bufferOutput(isTTY = false): BufferedOutput {
  let out = '';
  let err = '';
  const text = (c: string | Uint8Array): string => (typeof c === 'string' ? c : Buffer.from(c).toString('utf8'));
  const o = createOutput({ stdout: { write: (c) => void (out += text(c)) }, stderr: { write: (c) => void (err += text(c)) }, isTTY });
  return { ...o, progress: o.progress, out: () => out, err: () => err };
}
