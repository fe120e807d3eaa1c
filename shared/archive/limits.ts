// The bounds an archive import keeps to, so no upload can exhaust a function instance's memory, disk or time.

export const LIMITS = Object.freeze({
  /** An upload larger than this is refused before any byte is read (Strava exports of a decade run to a few GB). */
  maxUploadBytes: 20 * 1024 ** 3,
  /** Activity files in one archive; more is not an export. */
  maxEntries: 100_000,
  /** One activity file once decompressed. A 24-hour FIT file is ~10 MB and its GPX ~60 MB. */
  maxEntryBytes: 128 * 1024 ** 2,
  /** FIT files are decoded from one buffer (the SDK has no streaming API); a 24-hour FIT file is ~10 MB. */
  maxFitBytes: 48 * 1024 ** 2,
  /** Above this ratio of declared to compressed size a large entry is taken for a zip bomb. */
  maxCompressionRatio: 100,
  /** The ratio only matters for entries big enough to hurt. */
  ratioCheckAboveBytes: 8 * 1024 ** 2,
  /** All activity files together, once decompressed. */
  maxTotalBytes: 64 * 1024 ** 3,
  /** activities.csv is read whole: 50 MB is a million activities. */
  maxCsvBytes: 50 * 1024 ** 2,
  /** Points kept per activity (48 hours at one a second); longer tracks are thinned evenly. */
  maxPoints: 172_800,
});
