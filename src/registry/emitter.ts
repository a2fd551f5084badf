/** Told about an exception a listener threw: the error and the event it was handling. Must not throw. */
export type ListenerErrorHandler = (error: unknown, event: string) => void;

/**
 * The default {@link ListenerErrorHandler}: a process warning on stderr
 * (`process.emitWarning`), never a crash. fleetd passes its logger instead.
 */
export const warnListenerError: ListenerErrorHandler = (error, event) => {
  const err = error instanceof Error ? error : new Error(String(error));
  process.emitWarning(`a listener of "${event}" threw: ${err.message}`, { type: 'ListenerError', detail: err.stack });
};

/**
 * A minimal typed event emitter. Listener exceptions are caught and reported
 * to `onListenerError` (default {@link warnListenerError}), so one faulty
 * listener can never break a keepalive or watch loop mid-way, nor crash the
 * process, and the other listeners still run.
 */
export class TypedEmitter<Events extends { [K in keyof Events]: (...args: never[]) => void }> {
  private readonly listeners = new Map<keyof Events, Set<(...args: never[]) => void>>();

  constructor(private readonly onListenerError: ListenerErrorHandler = warnListenerError) {}

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set!.delete(listener);
  }

  /** Adds a listener that runs at most once; returns a function that removes it. */
  once<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    const off = this.on(event, ((...args: never[]) => {
      off();
      (listener as (...a: never[]) => void)(...args);
    }) as Events[K]);
    return off;
  }

  /** Calls every listener of `event` synchronously, in registration order. */
  protected emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        (l as (...a: Parameters<Events[K]>) => void)(...args);
      } catch (err) {
        try {
          this.onListenerError(err, String(event));
        } catch {
          // a handler that throws has nowhere left to report to; the loop must go on
        }
      }
    }
  }
}
