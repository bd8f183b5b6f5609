/**
 * A composed map page as PDF (pdf-lib): one page of the paper's size in points, the page's picture
 * (JPEG or PNG) over the whole of it, and the page's words (title, event, legend, scale, grid labels,
 * sources) as an invisible text layer at their places, so the PDF can be searched and copied from
 * and text extraction (pdftotext) reads them. The text layer uses the PDF's standard Helvetica, which
 * encodes Windows-1252 only: a line with other characters (Chinese, Devanagari) is left out of the
 * text layer and is in the picture only (primes become ' and ", thin spaces plain ones, first).
 */
import { PDFDocument, StandardFonts, TextRenderingMode, popGraphicsState, pushGraphicsState, setTextRenderingMode } from 'pdf-lib';

/** A line of text on the page, in CSS pixels from the top left, at its baseline. */
export interface TextRun {
  text: string;
  x: number;
  y: number;
  size: number;
}

export interface PdfPage {
  image: Uint8Array;
  imageType: 'jpeg' | 'png';
  /** Page size in points, and in the CSS pixels the runs are placed in. */
  widthPt: number;
  heightPt: number;
  widthPx: number;
  texts: TextRun[];
  title: string;
  subject: string;
  /** When it was made (the document's creation date). */
  date: Date;
}

/** The text as the standard fonts can write it: minutes and seconds marks as ASCII, thin spaces as spaces. */
function forWinAnsi(s: string): string {
  return s.replace(/′/g, "'").replace(/″/g, '"').replace(/[\u2009\u202f]/g, ' ');
}

/** The PDF's bytes, and how many text runs the text layer could not take. */
export async function pagePdf(p: PdfPage): Promise<{ bytes: Uint8Array; skipped: number }> {
  const doc = await PDFDocument.create();
  doc.setTitle(p.title);
  doc.setSubject(p.subject);
  doc.setCreator('Scarp');
  doc.setProducer('Scarp (pdf-lib)');
  doc.setCreationDate(p.date);
  doc.setModificationDate(p.date);
  const page = doc.addPage([p.widthPt, p.heightPt]);
  const img = p.imageType === 'jpeg' ? await doc.embedJpg(p.image) : await doc.embedPng(p.image);
  page.drawImage(img, { x: 0, y: 0, width: p.widthPt, height: p.heightPt });
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const k = p.widthPt / p.widthPx;
  let skipped = 0;
  page.pushOperators(pushGraphicsState(), setTextRenderingMode(TextRenderingMode.Invisible));
  for (const run of p.texts) {
    const r = { ...run, text: forWinAnsi(run.text) };
    try {
      font.encodeText(r.text);
    } catch {
      skipped++;
      continue;
    }
    page.drawText(r.text, { x: r.x * k, y: p.heightPt - r.y * k, size: r.size * k, font });
  }
  page.pushOperators(popGraphicsState());
  return { bytes: await doc.save(), skipped };
}
