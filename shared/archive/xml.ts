// GPX and TCX tracks read as a stream with saxes: memory stays proportional to the samples kept, never to the document.
import { SaxesParser } from 'saxes';
import { ArchiveReasonError, because } from './reasons.js';
import { sportFromText } from './sports.js';
import { emptyTrack, pushPoint, type FileFormat, type Track } from './track.js';

export class XmlTrackError extends ArchiveReasonError {
  override readonly name = 'XmlTrackError';
}

/** saxes' message names the line and column on a line of its own: the first line says what is wrong. */
const malformed = (error: unknown) => new XmlTrackError(because('xmlMalformed', (error as Error).message.split('\n')[0] ?? ''));

const MAX_TEXT = 1024 * 1024;
const SLICE = 64 * 1024;

type Point = Partial<Record<'time' | 'lat' | 'lng' | 'altitude' | 'heartrate' | 'cadence' | 'watts' | 'temp' | 'distance' | 'speed', number>>;

/** Element names without their namespace prefix: exports write gpxtpx:hr, ns3:TPX and plain names alike. */
const local = (name: string) => name.slice(name.indexOf(':') + 1);
const number = (text: string) => {
  const n = Number(text.trim());
  return Number.isFinite(n) ? n : undefined;
};
const time = (text: string) => {
  const ms = Date.parse(text.trim());
  return Number.isFinite(ms) ? ms : undefined;
};

/**
 * A push parser: feed it text chunks as they arrive, then close(). Which format it is is decided by the root
 * element; a document of neither kind is refused at its first element. saxes does not expand entities declared
 * in a DTD, so an entity bomb cannot grow the input.
 */
export class XmlTrackParser {
  readonly #parser = new SaxesParser({ xmlns: false, position: false });
  #format: FileFormat | undefined;
  #track: Track | undefined;
  readonly #stack: string[] = [];
  #text = '';
  #point: Point | undefined;
  #sport: string | undefined;
  #name: string | undefined;
  #error: Error | undefined;
  /** Characters fed since the last tag: saxes holds a text node whole until it ends, so a huge one is refused early. */
  #sinceTag = 0;
  #tagSeen = false;

  constructor(readonly expected?: FileFormat) {
    const p = this.#parser;
    p.on('error', (error) => {
      this.#error ??= malformed(error);
    });
    p.on('opentag', (tag) => {
      const name = local(tag.name);
      if (this.#stack.length === 0) {
        const format: FileFormat | undefined = name === 'gpx' ? 'gpx' : name === 'TrainingCenterDatabase' ? 'tcx' : undefined;
        if (!format) throw new XmlTrackError(because('xmlNeitherGpxNorTcx', name));
        this.#format = format;
        this.#track = emptyTrack(format);
      }
      this.#stack.push(name);
      this.#text = '';
      this.#tagSeen = true;
      const attr = (key: string) => {
        const value = tag.attributes[key];
        return typeof value === 'string' ? value : undefined;
      };
      if (this.#format === 'gpx' && (name === 'trkpt' || name === 'rtept')) {
        this.#point = { lat: number(attr('lat') ?? ''), lng: number(attr('lon') ?? '') };
      } else if (this.#format === 'tcx' && name === 'Trackpoint') {
        this.#point = {};
      } else if (this.#format === 'tcx' && name === 'Activity') {
        this.#sport ??= attr('Sport');
      }
    });
    p.on('text', (text) => {
      // Only leaf values are kept; whitespace between elements is dropped here, never buffered.
      if (this.#text.length < 4096) this.#text += text;
    });
    p.on('cdata', (text) => {
      if (this.#text.length < 4096) this.#text += text;
    });
    p.on('closetag', (tag) => {
      const name = local(tag.name);
      this.#tagSeen = true;
      const parent = this.#stack[this.#stack.length - 2];
      const value = this.#text;
      this.#text = '';
      const point = this.#point;
      if (this.#format === 'gpx') this.#gpxClose(name, parent, value, point);
      else if (this.#format === 'tcx') this.#tcxClose(name, parent, value, point);
      this.#stack.pop();
    });
  }

  #gpxClose(name: string, parent: string | undefined, value: string, point: Point | undefined): void {
    if (point) {
      if (name === 'ele' && parent !== 'extensions') point.altitude = number(value);
      else if (name === 'time') point.time = time(value);
      else if (name === 'hr' || name === 'heartrate') point.heartrate = number(value);
      else if (name === 'cad' || name === 'cadence') point.cadence = number(value);
      else if (name === 'atemp' || name === 'temp') point.temp = number(value);
      else if (name === 'power' || name === 'PowerInWatts') point.watts = number(value);
      else if (name === 'speed') point.speed = number(value);
      else if (name === 'trkpt' || name === 'rtept') {
        pushPoint(this.#track!, point);
        this.#point = undefined;
      }
      return;
    }
    if (name === 'type' && parent === 'trk') this.#sport ??= value.trim();
    else if (name === 'name' && parent === 'trk') this.#name ??= value.trim().slice(0, 255);
  }

  #tcxClose(name: string, parent: string | undefined, value: string, point: Point | undefined): void {
    if (point) {
      if (name === 'Time') point.time = time(value);
      else if (name === 'LatitudeDegrees') point.lat = number(value);
      else if (name === 'LongitudeDegrees') point.lng = number(value);
      else if (name === 'AltitudeMeters') point.altitude = number(value);
      else if (name === 'DistanceMeters') point.distance = number(value);
      else if (name === 'Value' && parent === 'HeartRateBpm') point.heartrate = number(value);
      else if (name === 'Cadence' || name === 'RunCadence') point.cadence = number(value);
      else if (name === 'Watts') point.watts = number(value);
      else if (name === 'Speed') point.speed = number(value);
      else if (name === 'Trackpoint') {
        pushPoint(this.#track!, point);
        this.#point = undefined;
      }
    }
  }

  write(chunk: string): void {
    // Fed in slices of 64 K characters: a slice with a tag in it resets the count, so the count is the text since
    // the last tag to within one slice, however large the chunks handed in.
    for (let at = 0; at < chunk.length; at += SLICE) this.#writeSlice(chunk.slice(at, at + SLICE));
  }

  #writeSlice(slice: string): void {
    if (this.#error) throw this.#error;
    this.#tagSeen = false;
    try {
      this.#parser.write(slice);
    } catch (error) {
      throw this.#error ?? (error instanceof XmlTrackError ? error : malformed(error));
    }
    if (this.#error) throw this.#error;
    this.#sinceTag = this.#tagSeen ? 0 : this.#sinceTag + slice.length;
    if (this.#sinceTag > MAX_TEXT) {
      this.#error = new XmlTrackError(because('xmlTextTooLong'));
      throw this.#error;
    }
  }

  close(): Track {
    if (!this.#error) {
      try {
        this.#parser.close();
      } catch (error) {
        this.#error ??= malformed(error);
      }
    }
    if (this.#error) throw this.#error;
    if (!this.#track || !this.#format) throw new XmlTrackError(because('fileEmpty'));
    if (this.expected && this.expected !== this.#format) {
      throw new XmlTrackError(because('misnamed', this.expected, this.#format));
    }
    const sport = sportFromText(this.#sport);
    this.#track.stated = { ...(sport ? { sport } : {}), ...(this.#name ? { name: this.#name } : {}) };
    return this.#track;
  }
}
