/**
 * Streaming mask → polygons, by rows, with run-length union-find and scanline boundary chains.
 *
 * Topology (matches `gdal_polygonize.py -8`): a polygon is one 8-connected (or 4-connected with
 * `connectivity: 4`) set of non-zero pixels; its holes are the 4-connected (8-connected) zero
 * regions it encloses. `holeCount` reports that number (GDAL's ring count minus one, computed as
 * the cyclomatic number of the run adjacency graph).
 *
 * Geometry is kept VALID (OGC): where two pixels of one polygon touch only at a corner, GDAL 3.6
 * writes a self-touching ring; here the boundary is traced keeping each 4-connected piece apart
 * ("separate" pairing at pinch corners), rings that still touch themselves are split at the touch
 * point, and the result is a MultiPolygon whose parts meet only at points. Area is identical.
 *
 * Memory: only the runs of the previous row, the open boundary chains and the not-yet-closed
 * polygons are held. A polygon is emitted from `push` as soon as a row no longer touches it.
 */
import { ScarpError } from '../../../src-shared/errors';
import { growInt32, growUint8 } from './growable';
import { StatsTable, type PixelStats, type ValueRows } from './pixel-stats';

/** A polygon ring in pixel-corner coordinates: flat [x0, y0, x1, y1, ...], not repeated at the end. */
export type PixelRing = Int32Array;

/** One connected component of the mask. */
export interface PixelPolygon {
  /** 1-based, in order of emission. */
  id: number;
  /**
   * Parts of the (multi)polygon: each part is [shell, ...holes]. In pixel space (x right, y down)
   * shells have positive shoelace sum (clockwise on screen) and holes negative.
   */
  parts: PixelRing[][];
  /** Holes as gdal_polygonize counts them (enclosed zero regions, 4-connected for connectivity 8). */
  holeCount: number;
  /** Pixel bounding box, in pixel corners (maxX/maxY exclusive). */
  bbox: { minX: number; minY: number; maxX: number; maxY: number };
  stats: PixelStats;
  /**
   * Pixel corners [x0, y0, x1, y1, …] this polygon shares with an adjacent polygon (separate.ts):
   * simplification keeps its vertices there, so both sides of a shared boundary stay identical.
   */
  fixedCorners?: Int32Array;
}

export interface PolygonizerOptions {
  width: number;
  /** Expected height; when given, `push` checks rows do not overflow and `finish` that all rows came. */
  height?: number;
  /** 8 (default, as `gdal_polygonize.py -8`) or 4. */
  connectivity?: 4 | 8;
}

/** A band of consecutive rows: y of its first row, the mask (non-zero = foreground), optional values. */
export interface RowBand {
  y: number;
  mask: ArrayLike<number>;
  values?: ValueRows;
}

const NONE = -1;

interface RingRec {
  ring: Int32Array;
  label4: number;
  pinch: boolean;
}

export class Polygonizer {
  readonly width: number;
  readonly height: number | null;
  private readonly conn8: boolean;
  private nextRow = 0;
  private nextId = 1;
  private finished = false;

  // Runs of the previous row (p*) and the current row (c*).
  private pS: Int32Array;
  private pE: Int32Array;
  private pL8: Int32Array;
  private pL4: Int32Array;
  private pTail: Int32Array;
  private pHead: Int32Array;
  private pN = 0;
  private cS: Int32Array;
  private cE: Int32Array;
  private cL8: Int32Array;
  private cL4: Int32Array;
  private cTail: Int32Array;
  private cHead: Int32Array;
  private cN = 0;

  // Union-find over components (par8) and 4-connected pieces (par4).
  private par8 = new Int32Array(1024);
  private n8 = 0;
  private par4 = new Int32Array(1024);
  private n4 = 0;
  private runCount = new Int32Array(1024);
  private linkCount = new Int32Array(1024);
  private stamp = new Int32Array(1024);
  private bMinX = new Int32Array(1024);
  private bMinY = new Int32Array(1024);
  private bMaxX = new Int32Array(1024);
  private bMaxY = new Int32Array(1024);
  private readonly stats = new StatsTable();
  private readonly rings = new Map<number, RingRec[]>();

  // Boundary chains: linked lists of vertices with a tail (first) and head (last).
  private chFirst = new Int32Array(1024);
  private chLast = new Int32Array(1024);
  private chPar = new Int32Array(1024);
  private chPinch = new Uint8Array(1024);
  private nCh = 0;

  // Vertex pool with a free list.
  private vx = new Int32Array(4096);
  private vy = new Int32Array(4096);
  private vNext = new Int32Array(4096);
  private nV = 0;
  private freeV = NONE;

  constructor(opts: PolygonizerOptions) {
    if (!Number.isInteger(opts.width) || opts.width <= 0) {
      throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `polygonize: width must be a positive integer, got ${opts.width}` });
    }
    this.width = opts.width;
    this.height = opts.height ?? null;
    this.conn8 = (opts.connectivity ?? 8) === 8;
    const maxRuns = (opts.width >> 1) + 2;
    const mk = (): Int32Array => new Int32Array(maxRuns);
    this.pS = mk();
    this.pE = mk();
    this.pL8 = mk();
    this.pL4 = mk();
    this.pTail = mk();
    this.pHead = mk();
    this.cS = mk();
    this.cE = mk();
    this.cL8 = mk();
    this.cL4 = mk();
    this.cTail = mk();
    this.cHead = mk();
  }

  /** Rows consumed so far. */
  get rowsDone(): number {
    return this.nextRow;
  }

  /**
   * The first row of the polygons still open (those the last row fed reaches), or `rowsDone` when
   * none is. Rows above it belong only to polygons already emitted: a caller keeping rows for the
   * polygons to come (detect/shard/) may let them go.
   */
  get openFromRow(): number {
    let y = this.nextRow;
    for (let k = 0; k < this.pN; k++) {
      const m = this.bMinY[this.find8(this.pL8[k] as number)] as number;
      if (m < y) y = m;
    }
    return y;
  }

  /**
   * Feed consecutive rows starting at row `y` (must equal the number of rows fed so far).
   * Returns the polygons that closed with these rows.
   */
  push(y: number, mask: ArrayLike<number>, values?: ValueRows): PixelPolygon[] {
    if (this.finished) throw new ScarpError({ code: 'INTERNAL', message: 'polygonize: push after finish' });
    if (y !== this.nextRow) {
      throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `polygonize: rows must be fed in order; expected row ${this.nextRow}, got ${y}` });
    }
    const w = this.width;
    if (mask.length % w !== 0) {
      throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `polygonize: mask band length ${mask.length} is not a multiple of the width ${w}` });
    }
    const rows = mask.length / w;
    if (this.height !== null && y + rows > this.height) {
      throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `polygonize: rows ${y}..${y + rows} exceed the height ${this.height}` });
    }
    if (values) {
      for (const [k, v] of Object.entries(values) as Array<[string, Float32Array | undefined]>) {
        if (v && v.length !== mask.length) {
          throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `polygonize: value band ${k} has ${v.length} values for ${mask.length} mask pixels` });
        }
      }
    }
    const out: PixelPolygon[] = [];
    for (let r = 0; r < rows; r++) this.row(mask, r * w, values, out);
    return out;
  }

  /** Close the scan (an empty row after the last one); returns the polygons still open. */
  finish(): PixelPolygon[] {
    if (this.finished) return [];
    if (this.height !== null && this.nextRow !== this.height) {
      throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `polygonize: finish after ${this.nextRow} of ${this.height} rows` });
    }
    const out: PixelPolygon[] = [];
    this.row(null, 0, undefined, out);
    this.finished = true;
    return out;
  }

  // ---- union-find -------------------------------------------------------------------------

  private find8(a: number): number {
    const p = this.par8;
    let r = a;
    while (p[r] !== r) r = p[r] as number;
    while (p[a] !== r) {
      const n = p[a] as number;
      p[a] = r;
      a = n;
    }
    return r;
  }

  private find4(a: number): number {
    const p = this.par4;
    let r = a;
    while (p[r] !== r) r = p[r] as number;
    while (p[a] !== r) {
      const n = p[a] as number;
      p[a] = r;
      a = n;
    }
    return r;
  }

  private new8(): number {
    const id = this.n8++;
    if (id >= this.par8.length) {
      const n = this.par8.length * 2;
      this.par8 = growInt32(this.par8, n);
      this.runCount = growInt32(this.runCount, n);
      this.linkCount = growInt32(this.linkCount, n);
      this.stamp = growInt32(this.stamp, n);
      this.bMinX = growInt32(this.bMinX, n);
      this.bMinY = growInt32(this.bMinY, n);
      this.bMaxX = growInt32(this.bMaxX, n);
      this.bMaxY = growInt32(this.bMaxY, n);
    }
    this.stats.ensure(id + 1);
    this.par8[id] = id;
    this.runCount[id] = 0;
    this.linkCount[id] = 0;
    this.stamp[id] = -1;
    this.bMinX[id] = 0x7fffffff;
    this.bMinY[id] = 0x7fffffff;
    this.bMaxX[id] = -1;
    this.bMaxY[id] = -1;
    this.stats.count[id] = 0;
    return id;
  }

  private new4(): number {
    const id = this.n4++;
    if (id >= this.par4.length) this.par4 = growInt32(this.par4, this.par4.length * 2);
    this.par4[id] = id;
    return id;
  }

  /** Union of two 8-roots; returns the surviving root. */
  private union8(a: number, b: number): number {
    if (a === b) return a;
    // Keep the older id as root (stable, and the one most likely to hold rings).
    if (b < a) {
      const t = a;
      a = b;
      b = t;
    }
    this.par8[b] = a;
    this.runCount[a] += this.runCount[b] as number;
    this.linkCount[a] += this.linkCount[b] as number;
    if ((this.bMinX[b] as number) < (this.bMinX[a] as number)) this.bMinX[a] = this.bMinX[b] as number;
    if ((this.bMinY[b] as number) < (this.bMinY[a] as number)) this.bMinY[a] = this.bMinY[b] as number;
    if ((this.bMaxX[b] as number) > (this.bMaxX[a] as number)) this.bMaxX[a] = this.bMaxX[b] as number;
    if ((this.bMaxY[b] as number) > (this.bMaxY[a] as number)) this.bMaxY[a] = this.bMaxY[b] as number;
    this.stats.merge(a, b);
    const rb = this.rings.get(b);
    if (rb) {
      const ra = this.rings.get(a);
      if (ra) {
        for (const r of rb) ra.push(r);
      } else {
        this.rings.set(a, rb);
      }
      this.rings.delete(b);
    }
    return a;
  }

  private union4(a: number, b: number): number {
    if (a === b) return a;
    if (b < a) {
      const t = a;
      a = b;
      b = t;
    }
    this.par4[b] = a;
    return a;
  }

  // ---- chains and vertices --------------------------------------------------------------------

  private newV(x: number, y: number): number {
    let v = this.freeV;
    if (v !== NONE) {
      this.freeV = this.vNext[v] as number;
    } else {
      v = this.nV++;
      if (v >= this.vx.length) {
        const n = this.vx.length * 2;
        this.vx = growInt32(this.vx, n);
        this.vy = growInt32(this.vy, n);
        this.vNext = growInt32(this.vNext, n);
      }
    }
    this.vx[v] = x;
    this.vy[v] = y;
    this.vNext[v] = NONE;
    return v;
  }

  private newChain(x: number, y: number, pinch: boolean): number {
    const c = this.nCh++;
    if (c >= this.chFirst.length) {
      const n = this.chFirst.length * 2;
      this.chFirst = growInt32(this.chFirst, n);
      this.chLast = growInt32(this.chLast, n);
      this.chPar = growInt32(this.chPar, n);
      this.chPinch = growUint8(this.chPinch, n);
    }
    const v = this.newV(x, y);
    this.chFirst[c] = v;
    this.chLast[c] = v;
    this.chPar[c] = c;
    this.chPinch[c] = pinch ? 1 : 0;
    return c;
  }

  private findCh(a: number): number {
    const p = this.chPar;
    let r = a;
    while (p[r] !== r) r = p[r] as number;
    while (p[a] !== r) {
      const n = p[a] as number;
      p[a] = r;
      a = n;
    }
    return r;
  }

  private appendHead(c: number, x: number, y: number): void {
    const v = this.newV(x, y);
    this.vNext[this.chLast[c] as number] = v;
    this.chLast[c] = v;
  }

  private prependTail(c: number, x: number, y: number): void {
    const v = this.newV(x, y);
    this.vNext[v] = this.chFirst[c] as number;
    this.chFirst[c] = v;
  }

  /** Connect the head of chain a to the tail of chain b; closes a ring when they are the same chain. */
  private join(a: number, b: number, prevRun: number): void {
    if (a === b) {
      this.closeRing(a, prevRun);
      return;
    }
    this.vNext[this.chLast[a] as number] = this.chFirst[b] as number;
    this.chLast[a] = this.chLast[b] as number;
    this.chPar[b] = a;
    this.chPinch[a] |= this.chPinch[b] as number;
  }

  private closeRing(c: number, prevRun: number): void {
    let n = 0;
    const last = this.chLast[c] as number;
    let v = this.chFirst[c] as number;
    for (;;) {
      n++;
      if (v === last) break;
      v = this.vNext[v] as number;
    }
    const ring = new Int32Array(n * 2);
    v = this.chFirst[c] as number;
    for (let k = 0; k < n; k++) {
      ring[2 * k] = this.vx[v] as number;
      ring[2 * k + 1] = this.vy[v] as number;
      if (k < n - 1) v = this.vNext[v] as number;
    }
    // Return the vertices to the free list.
    this.vNext[last] = this.freeV;
    this.freeV = this.chFirst[c] as number;
    const comp = this.find8(this.pL8[prevRun] as number);
    const rec: RingRec = { ring, label4: this.pL4[prevRun] as number, pinch: this.chPinch[c] === 1 };
    const list = this.rings.get(comp);
    if (list) list.push(rec);
    else this.rings.set(comp, [rec]);
  }

  // ---- one row ------------------------------------------------------------------------------

  private row(mask: ArrayLike<number> | null, off: number, values: ValueRows | undefined, out: PixelPolygon[]): void {
    const w = this.width;
    const y = this.nextRow;
    const cS = this.cS;
    const cE = this.cE;
    // 1. Runs of the current row.
    let cN = 0;
    if (mask instanceof Uint8Array) {
      cN = findRunsU8(mask, off, w, cS, cE);
    } else if (mask) {
      let x = 0;
      while (x < w) {
        while (x < w && mask[off + x] === 0) x++;
        if (x >= w) break;
        const s = x;
        while (x < w && mask[off + x] !== 0) x++;
        cS[cN] = s;
        cE[cN] = x;
        cN++;
      }
    }
    this.cN = cN;

    // 2. Label runs by overlap with the previous row's runs.
    const pS = this.pS;
    const pE = this.pE;
    const pN = this.pN;
    const conn8 = this.conn8;
    let i = 0;
    for (let j = 0; j < cN; j++) {
      const b0 = cS[j] as number;
      const b1 = cE[j] as number;
      if (conn8) {
        while (i < pN && (pE[i] as number) < b0) i++;
      } else {
        while (i < pN && (pE[i] as number) <= b0) i++;
      }
      let l8 = NONE;
      let l4 = NONE;
      let links = 0;
      let k = i;
      for (; k < pN; k++) {
        const a0 = pS[k] as number;
        if (conn8 ? a0 > b1 : a0 >= b1) break;
        links++;
        const r = this.find8(this.pL8[k] as number);
        l8 = l8 === NONE ? r : this.union8(l8, r);
        if (a0 < b1 && b0 < (pE[k] as number)) {
          const r4 = this.find4(this.pL4[k] as number);
          l4 = l4 === NONE ? r4 : this.union4(l4, r4);
        }
      }
      if (k > i) i = k - 1;
      if (l8 === NONE) l8 = this.new8();
      if (l4 === NONE) l4 = this.new4();
      this.cL8[j] = l8;
      this.cL4[j] = l4;
      this.runCount[l8] += 1;
      this.linkCount[l8] += links;
      this.stats.count[l8] += b1 - b0;
      if (b0 < (this.bMinX[l8] as number)) this.bMinX[l8] = b0;
      if (b1 > (this.bMaxX[l8] as number)) this.bMaxX[l8] = b1;
      if (y < (this.bMinY[l8] as number)) this.bMinY[l8] = y;
      if (y + 1 > (this.bMaxY[l8] as number)) this.bMaxY[l8] = y + 1;
    }
    if (values) {
      for (let j = 0; j < cN; j++) {
        const b0 = cS[j] as number;
        this.stats.accumulate(this.find8(this.cL8[j] as number), values, off + b0, (cE[j] as number) - b0);
      }
    }

    // 3. Boundary edges along the line y (between the previous row and this one).
    this.traceLine(y);

    // 4. Emit the components of the previous row that this row does not continue.
    for (let j = 0; j < cN; j++) this.stamp[this.find8(this.cL8[j] as number)] = y;
    for (let k = 0; k < pN; k++) {
      const r = this.find8(this.pL8[k] as number);
      if (this.stamp[r] !== y) {
        this.stamp[r] = y;
        out.push(this.emit(r));
      }
    }

    // 5. The current row becomes the previous one.
    let t = this.pS;
    this.pS = this.cS;
    this.cS = t;
    t = this.pE;
    this.pE = this.cE;
    this.cE = t;
    t = this.pL8;
    this.pL8 = this.cL8;
    this.cL8 = t;
    t = this.pL4;
    this.pL4 = this.cL4;
    this.cL4 = t;
    t = this.pTail;
    this.pTail = this.cTail;
    this.cTail = t;
    t = this.pHead;
    this.pHead = this.cHead;
    this.cHead = t;
    this.pN = cN;
    if (mask) this.nextRow++;
  }

  /**
   * Walk the boundary positions of line y left to right. Edges are directed with the foreground on
   * the right (pixel space, y down): a run's left side goes up, its right side down, top edges
   * go right and bottom edges go left. At each vertex the incoming and outgoing edges are paired.
   */
  private traceLine(y: number): void {
    const pS = this.pS;
    const pE = this.pE;
    const pN = this.pN;
    const cS = this.cS;
    const cE = this.cE;
    const cN = this.cN;
    const pTail = this.pTail;
    const pHead = this.pHead;
    const cTail = this.cTail;
    const cHead = this.cHead;
    let i = 0;
    let pi = 0;
    let j = 0;
    let pj = 0;
    // The pending horizontal edge to the right of the last vertex: a chain and whether the edge
    // continues that chain's head (rightwards) or leads into its tail (leftwards).
    let pend = NONE;
    const BIG = 0x7fffffff;
    while (i < pN || j < cN) {
      const pPos = i < pN ? (pi === 0 ? (pS[i] as number) : (pE[i] as number)) : BIG;
      const cPos = j < cN ? (pj === 0 ? (cS[j] as number) : (cE[j] as number)) : BIG;
      const x = pPos < cPos ? pPos : cPos;
      let ul: number;
      let ur: number;
      let ll: number;
      let lr: number;
      if (pPos === x) {
        ul = pi;
        ur = 1 - pi;
      } else {
        ul = ur = pi;
      }
      if (cPos === x) {
        ll = pj;
        lr = 1 - pj;
      } else {
        ll = lr = pj;
      }
      const code = (ul << 3) | (ur << 2) | (ll << 1) | lr;
      switch (code) {
        case 0b0001: {
          // S-in → E-out: a new chain starts at the top-left corner of a run.
          const c = this.newChain(x, y, false);
          cTail[j] = c;
          pend = c;
          break;
        }
        case 0b0010: {
          // W-in → S-out.
          const c = this.findCh(pend);
          this.appendHead(c, x, y);
          cHead[j] = c;
          pend = NONE;
          break;
        }
        case 0b0100: {
          // E-in → N-out.
          const t = this.findCh(pTail[i] as number);
          this.prependTail(t, x, y);
          pend = t;
          break;
        }
        case 0b0101:
          // Vertical straight through (left sides).
          cTail[j] = pTail[i] as number;
          break;
        case 0b0110: {
          // Pinch: UR and LL foreground. W-in → S-out around LL, E-in → N-out around UR.
          const c = this.findCh(pend);
          this.appendHead(c, x, y);
          this.chPinch[c] = 1;
          cHead[j] = c;
          const t = this.findCh(pTail[i] as number);
          this.prependTail(t, x, y);
          this.chPinch[t] = 1;
          pend = t;
          break;
        }
        case 0b0111: {
          // W-in → N-out (inner corner).
          const c = this.findCh(pend);
          this.appendHead(c, x, y);
          this.join(c, this.findCh(pTail[i] as number), i);
          pend = NONE;
          break;
        }
        case 0b1000: {
          // N-in → W-out (bottom-right corner of a run).
          const c = this.findCh(pHead[i] as number);
          this.appendHead(c, x, y);
          this.join(c, this.findCh(pend), i);
          pend = NONE;
          break;
        }
        case 0b1001: {
          // Pinch: UL and LR foreground. N-in → W-out around UL, S-in → E-out around LR.
          const c = this.findCh(pHead[i] as number);
          this.appendHead(c, x, y);
          this.chPinch[c] = 1;
          this.join(c, this.findCh(pend), i);
          const e = this.newChain(x, y, true);
          cTail[j] = e;
          pend = e;
          break;
        }
        case 0b1010:
          // Vertical straight through (right sides).
          cHead[j] = pHead[i] as number;
          break;
        case 0b1011: {
          // N-in → E-out (inner corner).
          const c = this.findCh(pHead[i] as number);
          this.appendHead(c, x, y);
          pend = c;
          break;
        }
        case 0b1101: {
          // S-in → W-out (inner corner).
          const d = this.findCh(pend);
          this.prependTail(d, x, y);
          cTail[j] = d;
          pend = NONE;
          break;
        }
        case 0b1110: {
          // E-in → S-out: a new chain at the bottom-left corner of a previous-row run.
          const e = this.newChain(x, y, false);
          cHead[j] = e;
          pend = e;
          break;
        }
        default:
          throw new ScarpError({ code: 'INTERNAL', message: `polygonize: impossible boundary configuration ${code} at (${x}, ${y})` });
      }
      if (pPos === x) {
        if (pi === 0) pi = 1;
        else {
          pi = 0;
          i++;
        }
      }
      if (cPos === x) {
        if (pj === 0) pj = 1;
        else {
          pj = 0;
          j++;
        }
      }
    }
  }

  // ---- emission -------------------------------------------------------------------------------

  private emit(root: number): PixelPolygon {
    const recs = this.rings.get(root) ?? [];
    this.rings.delete(root);
    const groups = new Map<number, { shells: Int32Array[]; holes: Int32Array[] }>();
    for (const rec of recs) {
      const piece = this.find4(rec.label4);
      let g = groups.get(piece);
      if (!g) {
        g = { shells: [], holes: [] };
        groups.set(piece, g);
      }
      const loops = rec.pinch ? splitSelfTouching(rec.ring) : [rec.ring];
      for (const l of loops) {
        if (ringArea2(l) > 0) g.shells.push(l);
        else g.holes.push(l);
      }
    }
    const parts: PixelRing[][] = [];
    for (const g of groups.values()) {
      if (g.shells.length === 1) {
        parts.push([g.shells[0] as Int32Array, ...g.holes]);
      } else {
        for (const p of assignHoles(g.shells, g.holes)) parts.push(p);
      }
    }
    const runs = this.runCount[root] as number;
    const links = this.linkCount[root] as number;
    return {
      id: this.nextId++,
      parts,
      holeCount: links - runs + 1,
      bbox: { minX: this.bMinX[root] as number, minY: this.bMinY[root] as number, maxX: this.bMaxX[root] as number, maxY: this.bMaxY[root] as number },
      stats: this.stats.get(root),
    };
  }
}

/**
 * Runs of non-zero bytes in mask[off, off + w), written to S (starts) and E (ends, exclusive).
 * Zero bytes are skipped four at a time through an aligned Uint32 view, and full words of
 * non-zero bytes are crossed the same way (no-zero-byte test), so sparse and blocky masks scan fast.
 */
function findRunsU8(mask: Uint8Array, off: number, w: number, S: Int32Array, E: Int32Array): number {
  const base = mask.byteOffset + off;
  const u32 = new Uint32Array(mask.buffer, 0, mask.buffer.byteLength >> 2);
  let n = 0;
  let x = 0;
  while (x < w) {
    // Skip zeros.
    while (x < w && ((base + x) & 3) !== 0 && mask[off + x] === 0) x++;
    if (x < w && mask[off + x] === 0) {
      let wi = (base + x) >> 2;
      const wEnd = (base + w) >> 2;
      while (wi < wEnd && u32[wi] === 0) wi++;
      x = (wi << 2) - base;
      while (x < w && mask[off + x] === 0) x++;
    }
    if (x >= w) break;
    const s = x;
    // Cross non-zero bytes.
    while (x < w && ((base + x) & 3) !== 0 && mask[off + x] !== 0) x++;
    if (x < w && mask[off + x] !== 0) {
      let wi = (base + x) >> 2;
      const wEnd = (base + w) >> 2;
      for (; wi < wEnd; wi++) {
        const v = u32[wi] as number;
        if (((v - 0x01010101) & ~v & 0x80808080) !== 0) break;
      }
      x = (wi << 2) - base;
      while (x < w && mask[off + x] !== 0) x++;
    }
    S[n] = s;
    E[n] = x;
    n++;
  }
  return n;
}

/** Twice the signed area (shoelace) of a flat ring; positive for shells in pixel space. */
export function ringArea2(r: ArrayLike<number>): number {
  const n = r.length >> 1;
  let s = 0;
  let px = r[2 * (n - 1)] as number;
  let py = r[2 * (n - 1) + 1] as number;
  for (let k = 0; k < n; k++) {
    const x = r[2 * k] as number;
    const yy = r[2 * k + 1] as number;
    s += px * yy - x * py;
    px = x;
    py = yy;
  }
  return s;
}

/** Split a closed walk that passes through some vertex more than once into simple loops. */
export function splitSelfTouching(ring: Int32Array): Int32Array[] {
  const n = ring.length >> 1;
  const stack: number[] = [];
  const pos = new Map<number, number>();
  const loops: Int32Array[] = [];
  const key = (k: number): number => (ring[2 * k] as number) * 4294967296 + (ring[2 * k + 1] as number);
  for (let k = 0; k < n; k++) {
    const kk = key(k);
    const p = pos.get(kk);
    if (p !== undefined) {
      const len = stack.length - p;
      const loop = new Int32Array(len * 2);
      for (let q = 0; q < len; q++) {
        const v = stack[p + q] as number;
        loop[2 * q] = ring[2 * v] as number;
        loop[2 * q + 1] = ring[2 * v + 1] as number;
      }
      for (let q = p + 1; q < stack.length; q++) pos.delete(key(stack[q] as number));
      stack.length = p + 1;
      loops.push(loop);
    } else {
      pos.set(kk, stack.length);
      stack.push(k);
    }
  }
  const loop = new Int32Array(stack.length * 2);
  for (let q = 0; q < stack.length; q++) {
    const v = stack[q] as number;
    loop[2 * q] = ring[2 * v] as number;
    loop[2 * q + 1] = ring[2 * v + 1] as number;
  }
  loops.push(loop);
  return loops.filter((l) => l.length >= 6);
}

/** Even-odd point-in-ring test for a flat ring. */
export function pointInRing(px: number, py: number, r: ArrayLike<number>): boolean {
  const n = r.length >> 1;
  let inside = false;
  let xj = r[2 * (n - 1)] as number;
  let yj = r[2 * (n - 1) + 1] as number;
  for (let k = 0; k < n; k++) {
    const xi = r[2 * k] as number;
    const yi = r[2 * k + 1] as number;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
    xj = xi;
    yj = yi;
  }
  return inside;
}

/** Fallback: give each hole to the smallest shell containing it (a point just inside the hole's first edge). */
function assignHoles(shells: Int32Array[], holes: Int32Array[]): PixelRing[][] {
  const parts: PixelRing[][] = shells.map((s) => [s]);
  const areas = shells.map((s) => ringArea2(s));
  for (const h of holes) {
    // Midpoint of the first edge moved a quarter pixel to its right (the foreground side).
    const x0 = h[0] as number;
    const y0 = h[1] as number;
    const x1 = h[2] as number;
    const y1 = h[3] as number;
    const len = Math.hypot(x1 - x0, y1 - y0) || 1;
    const px = (x0 + x1) / 2 - (0.25 * (y1 - y0)) / len;
    const py = (y0 + y1) / 2 + (0.25 * (x1 - x0)) / len;
    let best = -1;
    for (let s = 0; s < shells.length; s++) {
      if (pointInRing(px, py, shells[s] as Int32Array) && (best < 0 || (areas[s] as number) < (areas[best] as number))) best = s;
    }
    (parts[best < 0 ? 0 : best] as PixelRing[]).push(h);
  }
  return parts;
}

/** Polygonize a whole in-memory mask (convenience for small rasters and tests). */
export function polygonizeMask(mask: ArrayLike<number>, width: number, height: number, opts: { connectivity?: 4 | 8; values?: ValueRows } = {}): PixelPolygon[] {
  const p = new Polygonizer({ width, height, connectivity: opts.connectivity });
  const out = p.push(0, mask, opts.values);
  for (const q of p.finish()) out.push(q);
  return out;
}

/** Polygonize row bands from an (async) iterable, yielding polygons as they close. */
export async function* polygonizeStream(
  bands: AsyncIterable<RowBand> | Iterable<RowBand>,
  opts: PolygonizerOptions,
): AsyncGenerator<PixelPolygon> {
  const p = new Polygonizer(opts);
  for await (const b of bands) {
    for (const q of p.push(b.y, b.mask, b.values)) yield q;
  }
  for (const q of p.finish()) yield q;
}
