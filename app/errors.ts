// The one error type that carries an HTTP status and, by its key, a sentence that is safe to show to a person in their language.
import { messages, type SentenceKey } from '../shared/i18n/index.js';

export class AppError extends Error {
  readonly status: number;
  /** Shown to the visitor in their language; the message (English) and cause stay in the logs. */
  readonly publicMessage: SentenceKey;

  constructor(status: number, publicMessage: SentenceKey, options?: { cause?: unknown; detail?: string }) {
    super(options?.detail ?? messages('en')[publicMessage], options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.publicMessage = publicMessage;
  }
}
