/**
 * An incremental parser of a `text/event-stream` body (the WHATWG format):
 * feed it chunks as they arrive, get the complete messages back. Comment
 * lines (`: heartbeat`) come back as heartbeats so a reader can tell a
 * quiet stream from a dead one. Pure; used instead of `EventSource`, which
 * cannot send an `Authorization` header.
 */

/** One dispatched message. */
export interface SseMessage {
  /** `event:` field; `message` when absent. */
  readonly event: string;
  /** `data:` lines joined with `\n`. */
  readonly data: string;
  /** `id:` field, when the message had one. */
  readonly id?: string;
}

/** What one chunk completed. */
export interface SseChunkResult {
  readonly messages: SseMessage[];
  /** Comment lines seen (heartbeats). */
  readonly heartbeats: number;
}

/** Parser state across chunks. */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | undefined;

  /** Parses `chunk` (text, any split); returns what it completed. Never throws. */
  push(chunk: string): SseChunkResult {
    this.buffer += chunk;
    const messages: SseMessage[] = [];
    let heartbeats = 0;
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer);
      // A lone \r at the end may be the first half of \r\n: wait for more.
      if (m === null || (m[0] === '\r' && m.index === this.buffer.length - 1)) break;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      if (line === '') {
        if (this.data.length > 0) messages.push({ event: this.event || 'message', data: this.data.join('\n'), ...(this.id !== undefined ? { id: this.id } : {}) });
        this.event = '';
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) {
        heartbeats++;
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
      else if (field === 'id' && !value.includes('\0')) this.id = value;
    }
    return { messages, heartbeats };
  }
}
