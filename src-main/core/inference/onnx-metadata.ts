/**
 * Reads what Scarp needs from an ONNX file without decoding the weights: the model's
 * `metadata_props` (where cards are embedded; onnxruntime-node cannot read custom metadata) and the
 * graph's input/output names, element types and shapes.
 *
 * The file is scanned field by field with protobufjs' low-level Reader: node and initializer
 * messages are skipped by their length prefix (initializer names are read for the old IR where
 * weights are also listed as graph inputs, skipping their raw data), so a 200 MB model costs one
 * pass over its bytes and no objects per weight.
 *
 * Field numbers (onnx/onnx.proto3):
 *   ModelProto: ir_version=1, producer_name=2, producer_version=3, graph=7, opset_import=8, metadata_props=14
 *   OperatorSetIdProto: domain=1, version=2      StringStringEntryProto: key=1, value=2
 *   GraphProto: name=2, initializer=5, input=11, output=12
 *   TensorProto: name=8                          ValueInfoProto: name=1, type=2
 *   TypeProto: tensor_type=1 (Tensor: elem_type=1, shape=2)
 *   TensorShapeProto: dim=1 (Dimension: dim_value=1, dim_param=2)
 */
import { readFile } from 'node:fs/promises';
import pb from 'protobufjs/minimal.js';

const { Reader } = pb;
type PbReader = InstanceType<typeof Reader>;

/** One dimension: a fixed size, a symbolic name (e.g. 'batch'), or null when unspecified. */
export type OnnxDim = number | string | null;

export interface OnnxValueInfo {
  name: string;
  /** ONNX TensorProto.DataType (1 = float32, 10 = float16, 11 = double, 7 = int64 ...), 0 if not a tensor. */
  elemType: number;
  /** null when the graph declares no shape. */
  dims: OnnxDim[] | null;
}

export interface OnnxInfo {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  /** Version of the default ('' / 'ai.onnx') operator set. */
  opsetVersion: number | null;
  /** metadata_props in file order (later duplicates win in `metadataMap`). */
  metadata: Array<{ key: string; value: string }>;
  /** Graph inputs that are real inputs (initializers listed as inputs removed). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export const ONNX_FLOAT = 1;

/** The metadata as a plain record. */
export function metadataMap(info: OnnxInfo): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, value } of info.metadata) out[key] = value;
  return out;
}

/** Parse the needed parts of an ONNX ModelProto. Throws Error on a truncated/invalid protobuf. */
export function readOnnxInfo(bytes: Uint8Array): OnnxInfo {
  const r = Reader.create(bytes);
  const info: OnnxInfo = {
    irVersion: 0,
    producerName: '',
    producerVersion: '',
    opsetVersion: null,
    metadata: [],
    inputs: [],
    outputs: [],
  };
  let graph: { inputs: OnnxValueInfo[]; outputs: OnnxValueInfo[]; initializers: Set<string> } | null = null;
  let sawGraph = false;
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 0) throw new Error('invalid protobuf: field number 0');
    if (field === 1 && wire === 0) info.irVersion = Number(longToNumber(r.int64()));
    else if (field === 2 && wire === 2) info.producerName = r.string();
    else if (field === 3 && wire === 2) info.producerVersion = r.string();
    else if (field === 7 && wire === 2) {
      graph = readGraph(sub(r));
      sawGraph = true;
    } else if (field === 8 && wire === 2) {
      const op = readOpset(sub(r));
      if (op.domain === '' || op.domain === 'ai.onnx') info.opsetVersion = op.version;
    } else if (field === 14 && wire === 2) info.metadata.push(readEntry(sub(r)));
    else r.skipType(wire);
  }
  if (!sawGraph || !graph) throw new Error('not an ONNX model: no graph');
  info.inputs = graph.inputs.filter((v) => !graph!.initializers.has(v.name));
  info.outputs = graph.outputs;
  return info;
}

/** Read an ONNX file and parse it; the bytes are returned too (for hashing / session creation). */
export async function readOnnxInfoFile(path: string): Promise<{ info: OnnxInfo; bytes: Uint8Array }> {
  const bytes = await readFile(path);
  return { info: readOnnxInfo(bytes), bytes };
}

/** A Reader over the next length-delimited field (no copy: a subarray). */
function sub(r: PbReader): PbReader {
  const len = r.uint32();
  const start = r.pos;
  const end = start + len;
  if (end > r.len) throw new Error(`invalid protobuf: field of ${len} bytes runs past the end (truncated file?)`);
  r.pos = end;
  return Reader.create(r.buf.subarray(start, end));
}

function longToNumber(v: number | { low: number; high: number; toNumber?: () => number }): number {
  if (typeof v === 'number') return v;
  if (typeof v.toNumber === 'function') return v.toNumber();
  return v.high * 4294967296 + (v.low >>> 0);
}

function readEntry(r: PbReader): { key: string; value: string } {
  let key = '';
  let value = '';
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) key = r.string();
    else if (tag === ((2 << 3) | 2)) value = r.string();
    else r.skipType(tag & 7);
  }
  return { key, value };
}

function readOpset(r: PbReader): { domain: string; version: number } {
  let domain = '';
  let version = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) domain = r.string();
    else if (tag === ((2 << 3) | 0)) version = longToNumber(r.int64());
    else r.skipType(tag & 7);
  }
  return { domain, version };
}

function readGraph(r: PbReader): { inputs: OnnxValueInfo[]; outputs: OnnxValueInfo[]; initializers: Set<string> } {
  const inputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  const initializers = new Set<string>();
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 11 && wire === 2) inputs.push(readValueInfo(sub(r)));
    else if (field === 12 && wire === 2) outputs.push(readValueInfo(sub(r)));
    else if (field === 5 && wire === 2) {
      const name = readTensorName(sub(r));
      if (name) initializers.add(name);
    } else r.skipType(wire); // nodes (1), value_info (13), sparse initializers ... skipped by length
  }
  return { inputs, outputs, initializers };
}

/** TensorProto.name (field 8); every other field, raw_data included, is skipped by length. */
function readTensorName(r: PbReader): string {
  let name = '';
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === ((8 << 3) | 2)) name = r.string();
    else r.skipType(tag & 7);
  }
  return name;
}

function readValueInfo(r: PbReader): OnnxValueInfo {
  const v: OnnxValueInfo = { name: '', elemType: 0, dims: null };
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) v.name = r.string();
    else if (tag === ((2 << 3) | 2)) {
      const t = sub(r);
      while (t.pos < t.len) {
        const tt = t.uint32();
        if (tt === ((1 << 3) | 2)) {
          const tensor = sub(t);
          while (tensor.pos < tensor.len) {
            const ft = tensor.uint32();
            if (ft === ((1 << 3) | 0)) v.elemType = tensor.int32();
            else if (ft === ((2 << 3) | 2)) v.dims = readShape(sub(tensor));
            else tensor.skipType(ft & 7);
          }
        } else t.skipType(tt & 7);
      }
    } else r.skipType(tag & 7);
  }
  return v;
}

function readShape(r: PbReader): OnnxDim[] {
  const dims: OnnxDim[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) {
      const d = sub(r);
      let dim: OnnxDim = null;
      while (d.pos < d.len) {
        const dt = d.uint32();
        if (dt === ((1 << 3) | 0)) dim = longToNumber(d.int64());
        else if (dt === ((2 << 3) | 2)) dim = d.string() || null;
        else d.skipType(dt & 7);
      }
      dims.push(dim);
    } else r.skipType(tag & 7);
  }
  return dims;
}
