// English texts of the archive import (settings → Import your Strava archive); archive-ru.ts has the same keys.

/** What a file holds by its first bytes, for a file whose name says otherwise. */
export type DataKind = 'gzip' | 'zip' | 'fit' | 'xml' | 'gpx' | 'tcx' | 'other';

const DATA_KINDS: Record<DataKind, string> = {
  gzip: 'gzip data',
  zip: 'a ZIP archive',
  fit: 'FIT data',
  xml: 'XML',
  gpx: 'GPX data',
  tcx: 'TCX data',
  other: 'data of another kind',
};

export const archiveEn = {
  archiveHeading: 'Import your Strava archive',
  archiveIntro:
    'Bring your whole history, with heart rate, cadence, power and every GPS point, without waiting for Strava\u2019s rate limits: upload the archive Strava lets you download, or any FIT, GPX or TCX files.',
  archiveLink: 'Import your Strava archive',
  archiveHowTo: 'How to get your archive from Strava',
  archiveStep1: 'On strava.com, open Settings \u2192 My Account \u2192 Download or Delete Your Account, and click Get Started.',
  archiveStep2: 'Under Download Request, click Request Your Archive. Strava emails you a link, usually within a few hours.',
  archiveStep3: 'Download the ZIP file from that email and choose it below, as it is: there is no need to unpack it.',
  archiveChoose: 'Choose a ZIP archive or FIT, GPX, TCX files',
  archivePick: 'Choose files',
  archiveNoFile: 'No file chosen',
  archiveUploadButton: 'Upload and import',
  archiveUploading: (name: string) => `Uploading ${name}\u2026`,
  archiveUploadFailed: (name: string) => `The upload of ${name} did not finish. Check your connection and try again: it carries on where it stopped.`,
  archiveNoScript: 'Uploading needs JavaScript in your browser.',
  archiveUnavailable: 'Archive import is not set up on this site.',
  archiveRecent: 'Your uploads',
  archiveNone: 'Nothing uploaded yet.',
  archiveWaitingForBytes: 'Waiting for the file to arrive.',
  archiveQueued: 'Uploaded; the import starts in a moment.',
  archiveProgress: (done: string, total: string, failed: number) =>
    `${done} of ${total} ${total === '1' ? 'file' : 'files'}${failed > 0 ? `, ${failed} could not be read` : ''}.`,
  archiveDone: (imported: string, merged: string, duplicates: string) =>
    `Done: ${imported} new ${imported === '1' ? 'activity' : 'activities'}, ${merged} completed with their details, ${duplicates} already here.`,
  archiveFailed: (reason: string) => `This upload could not be imported: ${reason}`,
  archiveFailuresHeading: (n: number) => `${n} file${n === 1 ? '' : 's'} could not be read`,
  archiveSkipped: 'skipped',
  archiveReasonUnknown: 'the reason could not be read',
  archiveBadType: 'Choose a ZIP archive or a FIT, GPX or TCX file.',
  archiveEmptyFile: 'The file is empty.',
  archiveTooLarge: 'The file is too large.',
  archivePrivacy: 'Your privacy zones apply to everything imported, as they do to activities from Strava. Uploaded files are deleted once imported.',
  /**
   * Why a file or an upload was refused: the import stores the key and its values, each page says it in its language.
   * Sizes, counts, extensions, FIT file kinds, XML root names and the libraries' own messages stay as they came.
   */
  archiveReasons: {
    refused: (reason: string) => `refused: ${reason}`,
    nameClimbsOut: 'the file name climbs out of the archive ("..")',
    nameAbsolute: 'the file name is an absolute path',
    nameBackslash: 'the file name contains a backslash',
    nameNul: 'the file name contains a NUL byte',
    nameEmptyOrLong: 'the file name is empty or too long',
    zipBomb: 'it unpacks to over a hundred times its packed size (a zip bomb)',
    encrypted: 'the file is encrypted',
    fileTooLarge: (mb: number) => `the file is larger than ${mb} MB once unpacked`,
    fitTooLarge: (mb: number) => `the FIT file is larger than ${mb} MB once unpacked`,
    archiveTooLarge: 'the archive unpacks to more than the import reads in all',
    notFit: 'not a FIT file',
    fitTruncated: 'the FIT file is truncated or damaged (its checksum does not match)',
    fitUndecodable: (why: string) => `the FIT file could not be decoded: ${why}`,
    fitNotActivity: (fileType: string) => `the FIT file is not an activity (it is a ${fileType} file)`,
    gzipInvalid: (why: string) => `the file is named .gz but is not valid gzip data (${why})`,
    misnamed: (extension: string, holds: DataKind) => `the file is named .${extension} but holds ${DATA_KINDS[holds] ?? holds}`,
    fileEmpty: 'the file is empty',
    xmlMalformed: (why: string) => `the file is not well-formed XML: ${why}`,
    xmlNeitherGpxNorTcx: (root: string) => `the file is XML but neither GPX nor TCX (its root is <${root}>)`,
    xmlTextTooLong: 'the file has a text value over 1 MB; it is not an activity track',
    noTimedSamples: 'the file has no timed samples',
    noStartTime: 'the activity has no start time',
    entryTooLong: 'the file holds more bytes than the archive\u2019s directory says (a zip bomb or a damaged archive)',
    entryTooShort: 'the file holds fewer bytes than the archive\u2019s directory says (a damaged archive)',
    entryDamaged: (why: string) => `the file is damaged inside the archive (${why})`,
    entryMissing: 'the file is not in the archive',
    fileUnreadable: (why: string) => `the file could not be read (${why})`,
    notActivityFile: 'not a FIT, GPX or TCX file',
    notZipNorActivityFile: 'not a ZIP archive, nor a FIT, GPX or TCX file',
    alreadyImported: 'already imported',
    sameActivityThere: 'the same activity is already there',
    stravaIdOfAnotherAthlete: 'the Strava id belongs to another athlete',
    matchedByTimeInstead: (reason: string) => `${reason}; the files were matched by start time and distance instead`,
    csvNotUtf8: 'activities.csv is not UTF-8 text',
    csvTooLarge: 'activities.csv is too large',
    csvEmpty: 'activities.csv is empty',
    csvNoIdColumn: 'activities.csv has no "Activity ID" column',
    csvOpenQuote: 'activities.csv ends inside a quoted field',
    csvUnreadable: (why: string) => `activities.csv could not be read (${why})`,
    zipUnreadable: (why: string) => `the upload is not a readable ZIP archive (${why})`,
    zipDirectoryDamaged: (why: string) => `the ZIP archive's directory is damaged (${why})`,
    uploadGone: 'the uploaded file is no longer there; please upload it again',
    uploadTooLarge: (gb: number) => `the upload is larger than ${gb} GB`,
    noActivityFiles: 'the archive holds no FIT, GPX or TCX files',
    importStopped: (times: number) => `the import stopped ${times} ${times === 1 ? 'time' : 'times'} in a row; please upload the file again`,
    tooManyEntries: (entries: number, max: number) => `the archive holds ${entries} files; at most ${max} are read`,
  },
};

type ReasonTexts = (typeof archiveEn)['archiveReasons'];

/** Reasons whose one value is another reason, said first in the same language: "refused: <why>". */
export type NestingReasonKey = 'refused' | 'matchedByTimeInstead';
export type ArchiveReasonKey = keyof ReasonTexts;
type FlatReasonKey = Exclude<ArchiveReasonKey, NestingReasonKey>;

/** Why a file or an upload was refused, as a key and its values: what the import stores, never a sentence. */
export type ArchiveReason =
  | { [K in NestingReasonKey]: { key: K; params: [ArchiveReason] } }[NestingReasonKey]
  | { [K in FlatReasonKey]: { key: K; params: ReasonTexts[K] extends (...values: infer P) => string ? P : [] } }[FlatReasonKey];
