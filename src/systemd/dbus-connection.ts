import type { EventEmitter } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { readMessages, SIGNAL_TYPE, type WireMessage } from './dbus-wire.js';
import { encodeCall, type OutgoingCall } from './dbus-encode.js';
import { DBusError, Message, MessageType, sessionBus, type MessageBus } from '@jellybrick/dbus-next';
import { SystemdCallError, SystemdTimeoutError, SystemdUnavailableError } from './errors.js';
import type { Clock } from '../clock.js';
import { plain } from './plain.js';

/** One method call, spelled out (we never build proxy objects). */
export interface BusCall {
  readonly destination: string;
  readonly path: string;
  readonly interface: string;
  readonly member: string;
  readonly signature?: string;
  readonly body?: readonly unknown[];
}

/** A received signal. */
export interface BusSignal {
  readonly path: string;
  readonly interface: string;
  readonly member: string;
  /**
   * The body's argument at `index` converted by {@link plain} (undefined past
   * the end), converted when asked: a PropertiesChanged body is a map of
   * ~30 variants (timestamps as BigInts) that the driver never reads past
   * its interface name, six of them per started unit.
   */
  arg(index: number): unknown;
}

/**
 * One D-Bus connection with timeouts and loss detection; the only file that
 * touches the D-Bus library, so its errors are translated here once:
 * an error reply becomes SystemdCallError, no reply in time
 * SystemdTimeoutError, a dead socket SystemdUnavailableError. When the
 * connection dies, `onLost` runs once and every pending call is rejected.
 */
export class BusConnection {
  private readonly pending = new Set<(err: Error) => void>();
  private lost = false;
  /** Whether {@link takeOverReading} replaced the library's reader (signals then come from it, not from the library). */
  private tookOver = false;

  private constructor(
    private readonly bus: MessageBus,
    private readonly clock: Clock,
    private readonly onLost: (err: Error) => void,
    private readonly onCall: ((method: string, ok: boolean) => void) | undefined,
  ) {}

  /**
   * Connects and completes the Hello handshake within `timeoutMs`.
   * Throws SystemdUnavailableError (cause attached) or SystemdTimeoutError.
   */
  static async open(
    address: string,
    clock: Clock,
    timeoutMs: number,
    handlers: {
      readonly onSignal: (s: BusSignal) => void;
      readonly onLost: (err: Error) => void;
      /** Told the outcome of every method call (for `fleet_dbus_call_count_total`). */
      readonly onCall?: (method: string, ok: boolean) => void;
    },
  ): Promise<BusConnection> {
    const bus = sessionBus({ busAddress: address });
    const conn = new BusConnection(bus, clock, handlers.onLost, handlers.onCall);
    const raw = (bus as unknown as { _connection?: EventEmitter & { stream?: unknown } })._connection;
    let signalsWanted = false;
    if (raw !== undefined) {
      const signal = (s: BusSignal): void => {
        if (signalsWanted) handlers.onSignal(s);
      };
      raw.once('connect', () => {
        const stream = raw.stream;
        if (!(stream instanceof Readable)) return;
        const before = new Set(stream.listeners('readable'));
        // The library starts its reader right after this event, in the same turn.
        queueMicrotask(() => {
          conn.tookOver = takeOverReading(raw, stream, before, signal);
          takeOverWriting(raw, stream);
        });
      });
    }
    // One permanent listener: an 'error' event with none would crash the process.
    let failOpen: ((err: unknown) => void) | undefined;
    // MessageBus emits 'error' although its typings do not declare it.
    (bus as unknown as EventEmitter).on('error', (err: unknown) => {
      if (failOpen) failOpen(err);
      else conn.markLost(err instanceof Error ? err : new Error(String(err)));
    });
    await new Promise<void>((resolve, reject) => {
      const timer = clock.setTimeout(() => reject(new SystemdTimeoutError('Hello', timeoutMs)), timeoutMs);
      failOpen = (err) => {
        clock.clearTimeout(timer);
        reject(new SystemdUnavailableError('connect', { cause: err }));
      };
      bus.once('connect', () => {
        clock.clearTimeout(timer);
        resolve();
      });
    })
      .catch((err: unknown) => {
        conn.close();
        throw err;
      })
      .finally(() => {
        failOpen = undefined;
      });
    // The library does not forward the socket's 'end' to the bus; without it a
    // closed bus would only show up as timeouts.
    raw?.on('end', () => conn.markLost(new Error('D-Bus connection closed by peer')));
    signalsWanted = true;
    bus.on('message', (msg: Message) => {
      if (msg.type !== MessageType.SIGNAL || conn.tookOver) return;
      const body: readonly unknown[] = msg.body ?? [];
      handlers.onSignal({ path: msg.path, interface: msg.interface, member: msg.member, arg: (index) => plain(body[index]) });
    });
    return conn;
  }

  /** Whether the connection has been lost or closed. */
  get isLost(): boolean {
    return this.lost;
  }

  /**
   * Sends a method call and resolves with the reply body (converted by
   * {@link plain}). Throws SystemdCallError on an error reply,
   * SystemdTimeoutError after `timeoutMs`, SystemdUnavailableError when the
   * connection is or goes down. `unitName` is only for error context.
   */
  call(c: BusCall, timeoutMs: number, unitName?: string): Promise<unknown[]> {
    if (this.lost) return Promise.reject(new SystemdUnavailableError(c.member));
    return new Promise<unknown[]>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void, ok = false): void => {
        if (settled) return;
        settled = true;
        this.clock.clearTimeout(timer);
        this.pending.delete(onLost);
        this.onCall?.(c.member, ok);
        fn();
      };
      const onLost = (err: Error): void => finish(() => reject(new SystemdUnavailableError(c.member, { cause: err })));
      const timer = this.clock.setTimeout(() => finish(() => reject(new SystemdTimeoutError(c.member, timeoutMs, unitName))), timeoutMs);
      this.pending.add(onLost);
      const msg = new Message({
        destination: c.destination,
        path: c.path,
        interface: c.interface,
        member: c.member,
        signature: c.signature ?? '',
        body: [...(c.body ?? [])],
      });
      let sent: Promise<Message | null>;
      try {
        sent = this.bus.call(msg);
      } catch (err) {
        sent = Promise.reject(err);
      }
      sent.then(
        (reply) => finish(() => resolve((reply?.body ?? []).map(plain)), true),
        (err: unknown) => {
          if (err instanceof DBusError) {
            finish(() => reject(new SystemdCallError(c.member, err.type, err.text ?? err.message, unitName)));
          } else {
            const e = err instanceof Error ? err : new Error(String(err));
            finish(() => reject(new SystemdUnavailableError(c.member, { cause: e })));
            this.markLost(e);
          }
        },
      );
    });
  }

  /** Drops the connection; pending calls fail with SystemdUnavailableError. `onLost` is not called. Idempotent. */
  close(): void {
    const wasLost = this.lost;
    this.lost = true;
    if (!wasLost) this.rejectPending(new Error('connection closed'));
    try {
      this.bus.disconnect();
    } catch {
      // already torn down
    }
  }

  private markLost(err: Error): void {
    if (this.lost) return;
    this.lost = true;
    this.rejectPending(err);
    try {
      this.bus.disconnect();
    } catch {
      // already torn down
    }
    this.onLost(err);
  }

  private rejectPending(err: Error): void {
    for (const reject of [...this.pending]) reject(err);
    this.pending.clear();
  }
}

/**
 * Replaces dbus-next's reader on the bus socket with {@link readMessages}
 * (the library's listener is the one added since `before`); returns false,
 * leaving the library's reader, when it cannot be told apart.
 *
 * Why: the library decodes every message fully, and twice (to an
 * intermediate tree, then to JS values, then a validated Message object).
 * Six PropertiesChanged signals reach fleetd per started unit, each a map of
 * ~30 variants with BigInt timestamps, of which the driver reads the path
 * and the interface name: that decoding and its garbage were ~1 s of each
 * fleetd's CPU in a 1,000-unit start. Now a signal's header is decoded and
 * its body only as far as asked ({@link BusSignal.arg}); every other message
 * (replies, errors, calls to us) is decoded here to the values the library
 * would produce and handed to it as a Message, so its reply handling is
 * unchanged. A message that cannot be decoded is the library's 'error',
 * as before (the connection is then lost).
 */
function takeOverReading(raw: EventEmitter, stream: Readable, before: ReadonlySet<unknown>, onSignal: (s: BusSignal) => void): boolean {
  const added = stream.listeners('readable').filter((l) => !before.has(l));
  if (added.length !== 1) return false;
  stream.off('readable', added[0] as (...args: unknown[]) => void);
  const fail = (err: unknown): void => {
    raw.emit('error', err instanceof Error ? err : new Error(String(err)));
  };
  readMessages(
    stream,
    (m: WireMessage) => {
      try {
        if (m.type === SIGNAL_TYPE) onSignal(toSignal(m));
        else raw.emit('message', new Message({ type: m.type, serial: m.serial, flags: m.flags, ...m.fields, signature: m.signature, body: [...m.args()] }));
      } catch (err) {
        fail(err);
      }
    },
    fail,
  );
  return true;
}

/** A wire signal as the driver sees it; throws when it lacks a path, interface or member (as the library's Message does). */
function toSignal(m: WireMessage): BusSignal {
  const { path, interface: iface, member } = m.fields;
  if (typeof path !== 'string' || typeof iface !== 'string' || typeof member !== 'string') throw new Error('D-Bus signal without path, interface or member');
  return { path, interface: iface, member, arg: (index) => plain(m.args(index)[index]) };
}

/**
 * Has the library's connection write the method calls {@link encodeCall}
 * can encode with it (the same bytes, built directly) and leave the rest
 * to its own `_write`, which also still reports a closed socket.
 */
function takeOverWriting(raw: EventEmitter, stream: Readable): void {
  const lib = raw as unknown as { _write?: (msg: OutgoingCall) => void };
  const original = lib._write;
  if (typeof original !== 'function' || !(stream instanceof Writable) || (stream as { supportsUnixFd?: unknown }).supportsUnixFd) return;
  lib._write = (msg) => {
    const bytes = stream.writable ? encodeCall(msg) : undefined;
    if (bytes === undefined) original.call(raw, msg);
    else stream.write(bytes);
  };
}
