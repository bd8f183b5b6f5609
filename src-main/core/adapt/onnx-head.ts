/**
 * Write an adapted model: the base ONNX with its 1×1 head's weights and bias replaced, so the graph's
 * own probability output is the adapted model (any ONNX tool gets the same answer as Scarp), and
 * the adapted card embedded as `scarp_card` metadata (appended: a later metadata entry wins).
 *
 * The head is the Conv node whose first input is the card's features output; its weight and bias
 * initializers are overwritten in place (same element count, float32 raw_data), so nothing else in
 * the file moves.
 *   ModelProto: graph=7, metadata_props=14 (StringStringEntryProto: key=1, value=2)
 *   GraphProto: node=1, initializer=5
 *   NodeProto: input=1, output=2, op_type=4
 *   TensorProto: dims=1, data_type=2, float_data=4, name=8, raw_data=9
 */
import pb from 'protobufjs/minimal.js';
import { ScarpError } from '../../../src-shared/errors';
import type { HeadParameters } from './fit-head';

const { Reader, Writer } = pb;
type PbReader = InstanceType<typeof Reader>;

interface Span {
  start: number;
  end: number;
}

interface TensorSpan {
  name: string;
  dataType: number;
  raw: Span | null;
}

interface NodeInfo {
  opType: string;
  inputs: string[];
}

/** The [start, end) of the length-delimited field at the reader's position (absolute offsets). */
function span(r: PbReader): Span {
  const len = r.uint32();
  const start = r.pos;
  const end = start + len;
  if (end > r.len) throw new Error(`invalid protobuf: field of ${len} bytes runs past the end`);
  r.pos = end;
  return { start, end };
}

function within(bytes: Uint8Array, s: Span): PbReader {
  const r = Reader.create(bytes);
  r.pos = s.start;
  r.len = s.end;
  return r;
}

function readNode(bytes: Uint8Array, s: Span): NodeInfo {
  const r = within(bytes, s);
  const inputs: string[] = [];
  let opType = '';
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) inputs.push(r.string());
    else if (tag === ((4 << 3) | 2)) opType = r.string();
    else r.skipType(tag & 7);
  }
  return { opType, inputs };
}

function readTensor(bytes: Uint8Array, s: Span): TensorSpan {
  const r = within(bytes, s);
  const t: TensorSpan = { name: '', dataType: 0, raw: null };
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === ((2 << 3) | 0)) t.dataType = r.int32();
    else if (tag === ((8 << 3) | 2)) t.name = r.string();
    else if (tag === ((9 << 3) | 2)) t.raw = span(r);
    else r.skipType(tag & 7);
  }
  return t;
}

/** The byte ranges of the head's weight and bias values in the file. */
export function locateHead(bytes: Uint8Array, featuresOutput: string): { weight: Span; bias: Span; weightName: string; biasName: string } {
  const top = Reader.create(bytes);
  let graph: Span | null = null;
  while (top.pos < top.len) {
    const tag = top.uint32();
    if (tag === ((7 << 3) | 2)) graph = span(top);
    else top.skipType(tag & 7);
  }
  if (!graph) throw new Error('the file has no graph');
  const nodes: NodeInfo[] = [];
  const tensors = new Map<string, TensorSpan>();
  const g = within(bytes, graph);
  while (g.pos < g.len) {
    const tag = g.uint32();
    if (tag === ((1 << 3) | 2)) nodes.push(readNode(bytes, span(g)));
    else if (tag === ((5 << 3) | 2)) {
      const t = readTensor(bytes, span(g));
      tensors.set(t.name, t);
    } else g.skipType(tag & 7);
  }
  const heads = nodes.filter((n) => n.opType === 'Conv' && n.inputs[0] === featuresOutput && n.inputs.length >= 3);
  if (heads.length !== 1) throw new Error(`expected one Conv (with bias) reading '${featuresOutput}', found ${heads.length}`);
  const [, weightName, biasName] = heads[0]!.inputs as [string, string, string];
  const w = tensors.get(weightName);
  const b = tensors.get(biasName);
  if (!w?.raw || !b?.raw || w.dataType !== 1 || b.dataType !== 1) {
    throw new Error(`the head's weight '${weightName}' and bias '${biasName}' are not float32 initializers stored as raw data`);
  }
  return { weight: w.raw, bias: b.raw, weightName, biasName };
}

/** The head's current values (float32) as stored in the file. */
export function readHeadFromOnnx(bytes: Uint8Array, featuresOutput: string): HeadParameters {
  const loc = locateHead(bytes, featuresOutput);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const weights: number[] = [];
  for (let o = loc.weight.start; o < loc.weight.end; o += 4) weights.push(view.getFloat32(o, true));
  return { weights, bias: view.getFloat32(loc.bias.start, true) };
}

/** A copy of `base` with the head replaced and `cardJson` appended as `scarp_card` metadata. */
export function writeAdaptedOnnx(base: Uint8Array, featuresOutput: string, head: HeadParameters, cardJson: string, file: string): Uint8Array {
  let loc: ReturnType<typeof locateHead>;
  try {
    loc = locateHead(base, featuresOutput);
  } catch (e) {
    throw new ScarpError(
      { code: 'INVALID_MODEL', message: `Cannot find the head of ${file}: ${(e as Error).message}.`, file, hint: 'Adapting needs a model exported by Scarp\'s training (features output + 1×1 head).' },
      { cause: e },
    );
  }
  if ((loc.weight.end - loc.weight.start) / 4 !== head.weights.length || loc.bias.end - loc.bias.start !== 4) {
    throw new ScarpError({
      code: 'INVALID_MODEL',
      message: `The head of ${file} has ${(loc.weight.end - loc.weight.start) / 4} weights and ${(loc.bias.end - loc.bias.start) / 4} biases; the adapted head has ${head.weights.length} and 1.`,
      file,
    });
  }
  const entry = Writer.create().uint32((1 << 3) | 2).string('scarp_card').uint32((2 << 3) | 2).string(cardJson).finish();
  const meta = Writer.create().uint32((14 << 3) | 2).bytes(entry).finish();
  const out = new Uint8Array(base.length + meta.length);
  out.set(base, 0);
  out.set(meta, base.length);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  head.weights.forEach((v, i) => view.setFloat32(loc.weight.start + 4 * i, v, true));
  view.setFloat32(loc.bias.start, head.bias, true);
  return out;
}
