// JsBarcode ships no types for its encoder modules; this is the one class the labels use.
declare module "jsbarcode/bin/barcodes/CODE128/index.js" {
  export class CODE128 {
    constructor(data: string, options: object);
    valid(): boolean;
    encode(): { text: string; data: string };
  }
}
