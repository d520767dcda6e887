// ZPL II for 4x6 thermal printers at 203 dpi (812 x 1218 dots): one ^XA…^XZ per label, the
// tracking number as a native ^BC Code 128 so the printer draws the bars itself.
import { formatTracking, type LabelData } from "./draw";

const field = (s: string | null | undefined) => (s ?? "").replace(/[\^~\\]/g, " ").replace(/[^\x20-\x7E\xA0-\xFF]/g, "?");

export function zplLabel(l: LabelData): string {
  const lines = (a: LabelData["to"]) =>
    [a.name, a.company, a.street1, a.street2, `${a.city ?? ""}, ${a.state ?? ""} ${a.zip ?? ""}`].filter(Boolean).map(field);
  const from = lines(l.from).map((t, i) => `^FO30,${150 + i * 26}^A0N,22,22^FD${t}^FS`).join("\n");
  const to = lines(l.to).map((t, i) => `^FO60,${370 + i * 40}^A0N,${i === 0 ? 38 : 34},${i === 0 ? 38 : 34}^FD${t}^FS`).join("\n");
  return [
    "^XA", "^CI28", "^PW812", "^LL1218", "^LH0,0",
    "^FO20,20^GB772,1178,3^FS",
    `^FO30,30^GB110,110,110^FS^FO52,42^A0N,100,90^FR^FD${field(l.carrier.toUpperCase().slice(0, 1))}^FS`,
    `^FO160,40^A0N,40,40^FD${field(l.carrier.toUpperCase())}^FS`,
    `^FO160,90^A0N,24,24^FD${l.ship_date}  ${(l.weight_oz / 16).toFixed(2)} LB  ZONE ${l.zone}^FS`,
    "^FO20,140^GB772,0,3^FS",
    "^FO30,120^A0N,20,20^FDFROM:^FS", from,
    "^FO20,320^GB772,0,3^FS",
    "^FO30,335^A0N,24,24^FDSHIP TO:^FS", to,
    "^FO20,640^GB772,0,3^FS",
    `^FO30,660^A0N,36,36^FD${field(l.service_name.toUpperCase())}^FS`,
    `^FO560,660^A0N,30,30^FDZIP ${field(l.to.zip)}^FS`,
    "^FO20,710^GB772,0,3^FS",
    `^FO60,740^BY3,3,260^BCN,260,N,N,N^FD${l.tracking_number}^FS`,
    `^FO60,1020^A0N,34,34^FD${formatTracking(l.tracking_number)}^FS`,
    l.reference ? `^FO30,1120^A0N,24,24^FDRef: ${field(l.reference)}^FS` : "",
    "^XZ",
  ].filter(Boolean).join("\n");
}
