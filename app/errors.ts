// The one error type that carries an HTTP status and a message that is safe to show to a person.
export class AppError extends Error {
  readonly status: number;
  /** Shown to the visitor; the message and cause stay in the logs. */
  readonly publicMessage: string;

  constructor(status: number, publicMessage: string, options?: { cause?: unknown; detail?: string }) {
    super(options?.detail ?? publicMessage, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.publicMessage = publicMessage;
  }
}
