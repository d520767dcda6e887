// The first merged file of an isolate parses the label fonts and reads their glyph tables: done ahead
// of drawing, one step a turn, so no client's read waits behind all of it at once.
import { describe, expect, it } from "vitest";
import { forgetWarmedFonts, warmLabelFonts } from "../../src/labels/fonts";
import { mergeLabels } from "../../src/labels/merge";
import type { LabelData } from "../../src/labels/label";
import { address, from } from "../helpers";

const label = (): LabelData => ({
  tracking_number: "9405511899223197428490", carrier: "usps", service: "usps_priority", service_name: "USPS Priority Mail",
  from: { ...from(), company: null, street2: null, phone: null, email: null } as never,
  to: { ...address(), company: null, street2: null, phone: null, email: null } as never,
  weight_oz: 24, zone: 5, ship_date: "2026-04-01", reference: "order-1",
});

describe("warming the label fonts", () => {
  it("lets requests in after each face's parse, first subset and descriptor tables, once an isolate", async () => {
    forgetWarmedFonts();
    const turns: string[] = [];
    await warmLabelFonts(async () => void turns.push("turn"));
    expect(turns).toHaveLength(6);
    await warmLabelFonts(async () => void turns.push("again"));
    expect(turns).toHaveLength(6);
    // A merged file after it has only its drawing's turns.
    let drawn = 0;
    await mergeLabels(Array.from({ length: 20 }, label), "pdf", "4x6", async () => void drawn++);
    expect(drawn).toBe(2);
  });
});
