// GSM 03.38: the basic character set (one septet each) and the extension table (escape + septet).
const GSM_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
const GSM_EXTENSION = new Set("^{}\\[~]|€\f");

export interface SmsEncoding {
  encoding: "GSM-7" | "UCS-2";
  /** Characters as the network counts them: septets for GSM-7, UTF-16 units for UCS-2. */
  length: number;
  /** Messages the text is split into; more than one is a multi-part (concatenated) SMS. */
  segments: number;
}

/** How an SMS body travels: one 160-septet GSM-7 message, 70 UCS-2 units, or 153/67 per part beyond that. */
export function smsEncoding(text: string): SmsEncoding {
  let septets = 0;
  for (const character of text) {
    if (GSM_BASIC.has(character)) septets += 1;
    else if (GSM_EXTENSION.has(character)) septets += 2;
    else {
      const units = text.length;
      return { encoding: "UCS-2", length: units, segments: units <= 70 ? 1 : Math.ceil(units / 67) };
    }
  }
  return { encoding: "GSM-7", length: septets, segments: septets <= 160 ? 1 : Math.ceil(septets / 153) };
}
