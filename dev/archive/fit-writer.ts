// Writes FIT activity files for the sandbox's archive export, with the message layouts taken from Garmin's FIT SDK Profile.
//
// Why not the SDK's Encoder: it builds a fresh message definition for every message, searching the message's whole
// profile (over a hundred fields for a record) once per field. A one-second recording is thousands of records, and the
// demo athlete's archive spent about 20 s of CPU there, the download's whole wait on a laptop. This writer looks each
// layout up once per file and then writes only values. Its files are checked against the SDK itself
// (test/sandbox/fit-writer.test.ts): they are the very bytes the Encoder writes for the same messages.
import { CrcCalculator, Profile, Utils } from '@garmin/fitsdk';

/** Field values as the SDK's Encoder takes them: numbers in the profile's units, enum values by their profile name. */
export type FitFields = Record<string, number | string | undefined>;

/**
 * The FIT base types this writer needs, by the number the SDK gives a profile type (Utils.FieldTypeToBaseType, which
 * writes enums as uint8, as the Encoder does), and how their bytes are set. Types of more than one byte carry the
 * endian flag (0x80) in a definition.
 */
const BASE_TYPES: Record<number, { size: number; set: (view: DataView, at: number, value: number) => void }> = {
  0: { size: 1, set: (v, at, x) => v.setUint8(at, x) }, // enum
  1: { size: 1, set: (v, at, x) => v.setInt8(at, x) }, // sint8
  2: { size: 1, set: (v, at, x) => v.setUint8(at, x) }, // uint8
  3: { size: 2, set: (v, at, x) => v.setInt16(at, x, true) }, // sint16
  4: { size: 2, set: (v, at, x) => v.setUint16(at, x, true) }, // uint16
  5: { size: 4, set: (v, at, x) => v.setInt32(at, x, true) }, // sint32
  6: { size: 4, set: (v, at, x) => v.setUint32(at, x, true) }, // uint32
  10: { size: 1, set: (v, at, x) => v.setUint8(at, x) }, // uint8z
  11: { size: 2, set: (v, at, x) => v.setUint16(at, x, true) }, // uint16z
  12: { size: 4, set: (v, at, x) => v.setUint32(at, x, true) }, // uint32z
};

interface FieldLayout {
  name: string;
  num: number;
  /** The base type's number as a definition writes it, endian flag included. */
  baseTypeId: number;
  baseType: (typeof BASE_TYPES)[number];
  scale: number;
  offset: number;
  /** The profile type whose names an enum field's value may be given by (sport: 'running'). */
  type: string;
}

interface MessageLayout {
  local: number;
  fields: FieldLayout[];
  size: number;
}

const HEADER_SIZE = 14;
/** Profile field layouts by message number and field name, looked up once per process. */
const profileFields = new Map<number, Map<string, FieldLayout>>();
/** Enum names to numbers, per profile type. */
const enumValues = new Map<string, Map<string, number>>();

function fieldsOf(mesgNum: number): Map<string, FieldLayout> {
  let fields = profileFields.get(mesgNum);
  if (fields) return fields;
  fields = new Map();
  const profile = Profile.messages[mesgNum] as {
    fields: Record<
      string,
      { num: number; name: string; type: string; baseType: string; scale: number | number[]; offset: number | number[]; components: unknown[] }
    >;
  };
  for (const field of Object.values(profile.fields)) {
    const id = Utils.FieldTypeToBaseType[field.baseType];
    const baseType = id === undefined ? undefined : BASE_TYPES[id];
    if (id === undefined || !baseType) continue;
    // As the Encoder does: a field made of several components is written unscaled, otherwise by its first scale.
    const first = (value: number | number[], none: number) =>
      field.components.length > 1 ? none : Array.isArray(value) ? (value[0] ?? none) : (value ?? none);
    const scale = first(field.scale, 1);
    const offset = first(field.offset, 0);
    fields.set(field.name, { name: field.name, num: field.num, baseTypeId: baseType.size > 1 ? id | 0x80 : id, baseType, scale, offset, type: field.type });
  }
  profileFields.set(mesgNum, fields);
  return fields;
}

function enumValue(type: string, name: string): number {
  let values = enumValues.get(type);
  if (!values) {
    values = new Map(Object.entries((Profile.types as Record<string, Record<string, string>>)[type] ?? {}).map(([value, label]) => [label, Number(value)]));
    enumValues.set(type, values);
  }
  const value = values.get(name);
  if (value === undefined) throw new Error(`FIT: "${name}" is not a ${type}`);
  return value;
}

export class FitWriter {
  private readonly chunks: Buffer[] = [Buffer.alloc(HEADER_SIZE)];
  private readonly layouts = new Map<string, MessageLayout>();
  private nextLocal = 0;

  /** Writes one message, preceded by its definition when this layout (message and fields present) is new or was replaced. */
  write(mesgNum: number, values: FitFields): void {
    const layout = this.layoutFor(mesgNum, values);
    const data = Buffer.alloc(1 + layout.size);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    data[0] = layout.local;
    let at = 1;
    for (const field of layout.fields) {
      const given = values[field.name]!;
      const value =
        typeof given === 'string'
          ? enumValue(field.type, given)
          : field.scale !== 1 || field.offset !== 0
            ? Math.round((given + field.offset) * field.scale)
            : given;
      field.baseType.set(view, at, value);
      at += field.baseType.size;
    }
    this.chunks.push(data);
  }

  /** The finished file: header with its CRC, the messages, the file's CRC. */
  close(): Buffer {
    const body = Buffer.concat(this.chunks);
    body.writeUInt8(HEADER_SIZE, 0);
    // Protocol and profile versions as the SDK's Encoder writes them.
    body.writeUInt8(2, 1);
    body.writeUInt16LE(Profile.version.major * 1000 + Profile.version.minor, 2);
    body.writeUInt32LE(body.length - HEADER_SIZE, 4);
    body.write('.FIT', 8, 'latin1');
    body.writeUInt16LE(CrcCalculator.calculateCRC(body, 0, 12), 12);
    const crc = Buffer.alloc(2);
    crc.writeUInt16LE(CrcCalculator.calculateCRC(body, 0, body.length), 0);
    return Buffer.concat([body, crc]);
  }

  private layoutFor(mesgNum: number, values: FitFields): MessageLayout {
    const present = Object.keys(values).filter((name) => values[name] !== undefined && values[name] !== null);
    const key = `${mesgNum}:${present.join(',')}`;
    const known = this.layouts.get(key);
    if (known) return known;
    const profile = fieldsOf(mesgNum);
    const fields = present.map((name) => {
      const field = profile.get(name);
      if (!field) throw new Error(`FIT: message ${mesgNum} has no field ${name} this writer can write`);
      return field;
    });
    // Sixteen local message numbers, reused in turn; a layout whose number was taken over is defined again.
    const local = this.nextLocal++ % 16;
    for (const [other, layout] of this.layouts) if (layout.local === local) this.layouts.delete(other);
    const layout = { local, fields, size: fields.reduce((sum, f) => sum + f.baseType.size, 0) };
    this.layouts.set(key, layout);
    const definition = Buffer.alloc(6 + 3 * fields.length);
    definition.writeUInt8(0x40 | local, 0);
    // Byte 1 reserved, byte 2 architecture: 0, little-endian.
    definition.writeUInt16LE(mesgNum, 3);
    definition.writeUInt8(fields.length, 5);
    fields.forEach((field, i) => {
      definition.writeUInt8(field.num, 6 + 3 * i);
      definition.writeUInt8(field.baseType.size, 7 + 3 * i);
      definition.writeUInt8(field.baseTypeId, 8 + 3 * i);
    });
    this.chunks.push(definition);
    return layout;
  }
}
