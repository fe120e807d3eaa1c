// Russian texts of the archive import; the keys are archive-en.ts's.
import { plural } from './plural.js';
import type { archiveEn } from './archive-en.js';

export const archiveRu: typeof archiveEn = {
  archiveHeading: 'Импорт архива Strava',
  archiveIntro:
    'Перенесите всю историю — с пульсом, каденсом, мощностью и каждой точкой GPS — не дожидаясь лимитов Strava: загрузите архив, который Strava даёт скачать, или любые файлы FIT, GPX, TCX.',
  archiveLink: 'Импортировать архив Strava',
  archiveHowTo: 'Как получить архив в Strava',
  archiveStep1: 'На strava.com откройте «Настройки» → «Моя учётная запись» → «Загрузить или удалить учётную запись» и нажмите «Начать».',
  archiveStep2: 'В разделе «Запрос на загрузку» нажмите «Запросить архив». Strava пришлёт ссылку письмом, обычно в течение нескольких часов.',
  archiveStep3: 'Скачайте ZIP-файл по ссылке из письма и выберите его ниже как есть — распаковывать не нужно.',
  archiveChoose: 'Выберите ZIP-архив или файлы FIT, GPX, TCX',
  archivePick: 'Выбрать файлы',
  archiveNoFile: 'Файл не выбран',
  archiveUploadButton: 'Загрузить и импортировать',
  archiveUploading: (name) => `Загружается ${name}…`,
  archiveUploadFailed: (name) => `Загрузка ${name} не завершилась. Проверьте соединение и попробуйте снова: она продолжится с места остановки.`,
  archiveNoScript: 'Для загрузки в браузере нужен JavaScript.',
  archiveUnavailable: 'Импорт архивов на этом сайте не настроен.',
  archiveRecent: 'Ваши загрузки',
  archiveNone: 'Пока ничего не загружено.',
  archiveWaitingForBytes: 'Ждём, пока файл загрузится.',
  archiveQueued: 'Загружено; импорт вот-вот начнётся.',
  archiveProgress: (done, total, failed) => `${done} из ${total} файлов${failed > 0 ? `, не удалось прочитать: ${failed}` : ''}.`,
  archiveDone: (imported, merged, duplicates) => `Готово: новых тренировок — ${imported}, дополнено подробностями — ${merged}, уже были — ${duplicates}.`,
  archiveFailed: (reason) => `Эту загрузку не удалось импортировать: ${reason}`,
  archiveFailuresHeading: (n) => `Не удалось прочитать ${n} ${plural(n, 'файл', 'файла', 'файлов')}`,
  archiveSkipped: 'пропущен',
  archiveBadType: 'Выберите ZIP-архив или файл FIT, GPX или TCX.',
  archiveEmptyFile: 'Файл пуст.',
  archiveTooLarge: 'Файл слишком большой.',
  archivePrivacy: 'Ваши приватные зоны действуют на всё импортированное так же, как на тренировки из Strava. Загруженные файлы удаляются после импорта.',
};

/** Why a file or upload was refused, in Russian; the import writes its reasons in English (they also go to the logs). */
const REASONS: [RegExp, (...groups: string[]) => string][] = [
  [/^refused: (.*)$/, (rest) => `отклонён: ${translateOne(rest)}`],
  [
    /^the file name climbs out of the archive \(""\.\.""\)$|^the file name climbs out of the archive \("\.\."\)$/,
    () => 'имя файла выходит за пределы архива («..»)',
  ],
  [/^the file name is an absolute path$/, () => 'имя файла — абсолютный путь'],
  [/^the file name contains a backslash$/, () => 'в имени файла обратная косая черта'],
  [/^the file name contains a NUL byte$/, () => 'в имени файла нулевой байт'],
  [/^the file name is empty or too long$/, () => 'имя файла пустое или слишком длинное'],
  [/^it unpacks to over a hundred times its packed size \(a zip bomb\)$/, () => 'распаковывается более чем в сто раз (zip-бомба)'],
  [/^the file is encrypted$/, () => 'файл зашифрован'],
  [/^(?:the file|the FIT file) is larger than (\d+) MB once unpacked$/, (mb) => `файл больше ${mb} МБ в распакованном виде`],
  [/^the archive unpacks to more than the import reads in all$/, () => 'архив в распакованном виде больше, чем читает импорт'],
  [/^the FIT file is truncated or damaged \(its checksum does not match\)$/, () => 'файл FIT обрезан или повреждён (не сходится контрольная сумма)'],
  [/^the FIT file could not be decoded: (.*)$/, (why) => `файл FIT не удалось разобрать: ${why}`],
  [/^the FIT file is not an activity \(it is a (.*) file\)$/, (kind) => `файл FIT — не тренировка (это файл типа ${kind})`],
  [/^the file is named \.gz but is not valid gzip data \((.*)\)$/, (why) => `файл назван .gz, но это не gzip (${why})`],
  [/^the file is named \.(\w+) but holds (.*)$/, (ext, what) => `файл назван .${ext}, но содержит ${WHAT[what] ?? what}`],
  [/^the file is empty$/, () => 'файл пуст'],
  [/^the file is not well-formed XML: (.*)$/, (why) => `файл — некорректный XML: ${why}`],
  [/^the file is XML but neither GPX nor TCX \(its root is (.*)\)$/, (root) => `файл XML, но не GPX и не TCX (корневой элемент ${root})`],
  [/^the file has a text value over 1 MB; it is not an activity track$/, () => 'в файле текстовое значение больше 1 МБ; это не трек тренировки'],
  [/^the file has no timed samples$/, () => 'в файле нет точек со временем'],
  [/^the activity has no start time$/, () => 'у тренировки нет времени начала'],
  [
    /^the file holds more bytes than the archive.s directory says \(a zip bomb or a damaged archive\)$/,
    () => 'в файле больше байт, чем указано в оглавлении архива (zip-бомба или повреждённый архив)',
  ],
  [
    /^the file holds fewer bytes than the archive.s directory says \(a damaged archive\)$/,
    () => 'в файле меньше байт, чем указано в оглавлении архива (архив повреждён)',
  ],
  [/^the file is damaged inside the archive \((.*)\)$/, (why) => `файл в архиве повреждён (${why})`],
  [/^the file is not in the archive$/, () => 'файла нет в архиве'],
  [/^the file could not be read \((.*)\)$/, (why) => `файл не удалось прочитать (${why})`],
  [/^not a FIT, GPX or TCX file$/, () => 'это не файл FIT, GPX или TCX'],
  [/^not a ZIP archive, nor a FIT, GPX or TCX file$/, () => 'это не ZIP-архив и не файл FIT, GPX или TCX'],
  [/^already imported$/, () => 'уже импортирована'],
  [/^the same activity is already there$/, () => 'такая тренировка уже есть'],
  [/^the Strava id belongs to another athlete$/, () => 'этот идентификатор Strava принадлежит другому спортсмену'],
  [
    /^(activities\.csv .*); the files were matched by start time and distance instead$/,
    (why) => `${translateOne(why)}; файлы сопоставлены по времени начала и дистанции`,
  ],
  [/^activities\.csv is not UTF-8 text$/, () => 'activities.csv не в кодировке UTF-8'],
  [/^activities\.csv is too large$/, () => 'activities.csv слишком большой'],
  [/^activities\.csv is empty$/, () => 'activities.csv пуст'],
  [/^activities\.csv has no "Activity ID" column$/, () => 'в activities.csv нет столбца «Activity ID»'],
  [/^activities\.csv ends inside a quoted field$/, () => 'activities.csv обрывается внутри кавычек'],
  [/^the upload is not a readable ZIP archive \((.*)\)$/, (why) => `загрузка — не читаемый ZIP-архив (${why})`],
  [/^the ZIP archive.s directory is damaged \((.*)\)$/, (why) => `оглавление ZIP-архива повреждено (${why})`],
  [/^the uploaded file is no longer there; please upload it again$/, () => 'загруженного файла больше нет; загрузите его снова'],
  [/^the upload is larger than (\d+) GB$/, (gb) => `загрузка больше ${gb} ГБ`],
  [/^the archive holds no FIT, GPX or TCX files$/, () => 'в архиве нет файлов FIT, GPX или TCX'],
  [
    /^the import stopped (\d+) times in a row; please upload the file again$/,
    (n) => `импорт прерывался ${n} ${plural(Number(n), 'раз', 'раза', 'раз')} подряд; загрузите файл снова`,
  ],
  [/^the archive holds (\d+) files; at most (\d+) are read$/, (n, max) => `в архиве ${n} файлов; читается не больше ${max}`],
];

const WHAT: Record<string, string> = {
  'gzip data': 'данные gzip',
  'a ZIP archive': 'ZIP-архив',
  'FIT data': 'данные FIT',
  XML: 'XML',
  'GPX data': 'данные GPX',
  'TCX data': 'данные TCX',
  'data of another kind': 'данные другого вида',
};

function translateOne(reason: string): string {
  for (const [pattern, render] of REASONS) {
    const m = pattern.exec(reason);
    if (m) return render(...m.slice(1).map((g) => g ?? ''));
  }
  return reason;
}

/** The reason in the page's language: English as written, Russian translated (an unknown one stays in English). */
export function translateReason(locale: string | undefined, reason: string): string {
  return locale === 'ru' ? translateOne(reason) : reason;
}
