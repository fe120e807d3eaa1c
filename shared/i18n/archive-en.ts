// English texts of the archive import (settings → Import your Strava archive); archive-ru.ts has the same keys.

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
  archiveBadType: 'Choose a ZIP archive or a FIT, GPX or TCX file.',
  archiveEmptyFile: 'The file is empty.',
  archiveTooLarge: 'The file is too large.',
  archivePrivacy: 'Your privacy zones apply to everything imported, as they do to activities from Strava. Uploaded files are deleted once imported.',
};
