/**
 * Facts about the hero's inventory, from the inventory buffers: object classes come from `inv_oclasses`
 * (numeric, cheap); whether an item is wielded or worn needs the item text, which is scanned only for the
 * few weapon, armour and accessory slots.
 */
import { INV_SLOTS, INV_STR_LEN } from "../env/index.js";
import { OCLASS } from "../nethack/index.js";

export const IF = {
  FOOD: 0,
  WEAPON: 1,
  ARMOR: 2,
  RING: 3,
  AMULET: 4,
  TOOL: 5,
  POTION: 6,
  SCROLL: 7,
  SPELLBOOK: 8,
  WAND: 9,
  GEM: 10,
  WIELDING: 11,
  UNWIELDED_WEAPON: 12,
  WEARING_ARMOR: 13,
  UNWORN_ARMOR: 14,
  WEARING_ACCESSORY: 15,
  UNWORN_ACCESSORY: 16,
  NEARLY_FULL: 17,
  EMPTY: 18,
} as const;
export const NUM_INVENTORY_FACTS = 19;

/** NetHack gives at most 52 letters; a nearly full pack refuses pickups soon. */
export const NEARLY_FULL_ITEMS = 48;

const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const WIELD_MARKS = [bytes("(weapon in"), bytes("(wielded"), bytes("(weapons in")];
const WORN_MARKS = [bytes("(being worn")];
const ACCESSORY_MARKS = [bytes("(on left"), bytes("(on right"), bytes("(being worn")];

function slotHas(strs: Uint8Array, off: number, pats: readonly Uint8Array[]): boolean {
  const end = off + INV_STR_LEN;
  for (let i = off; i < end; i++) {
    const b = strs[i];
    if (b === 0) return false;
    if (b !== 40) continue; // every mark starts with '('
    for (const p of pats) {
      if (i + p.length > end) continue;
      let k = 1;
      while (k < p.length && strs[i + k] === p[k]) k++;
      if (k === p.length) return true;
    }
  }
  return false;
}

/**
 * Fills `out` (0/1 per fact) from one observation's inventory. `slotOff` is the slot index of this observation's
 * first inventory slot in the (possibly batched) buffers.
 */
export function inventoryFacts(
  letters: Uint8Array,
  oclasses: Uint8Array,
  strs: Uint8Array,
  slotOff: number,
  out: Uint8Array,
): void {
  out.fill(0);
  let count = 0;
  for (let s = 0; s < INV_SLOTS; s++) {
    const slot = slotOff + s;
    if (letters[slot] === 0) continue;
    count++;
    const strOff = slot * INV_STR_LEN;
    switch (oclasses[slot]) {
      case OCLASS.FOOD:
        out[IF.FOOD] = 1;
        break;
      case OCLASS.WEAPON:
        out[IF.WEAPON] = 1;
        if (slotHas(strs, strOff, WIELD_MARKS)) out[IF.WIELDING] = 1;
        else out[IF.UNWIELDED_WEAPON] = 1;
        break;
      case OCLASS.ARMOR:
        out[IF.ARMOR] = 1;
        if (slotHas(strs, strOff, WORN_MARKS)) out[IF.WEARING_ARMOR] = 1;
        else out[IF.UNWORN_ARMOR] = 1;
        break;
      case OCLASS.RING:
      case OCLASS.AMULET:
        out[oclasses[slot] === OCLASS.RING ? IF.RING : IF.AMULET] = 1;
        if (slotHas(strs, strOff, ACCESSORY_MARKS)) out[IF.WEARING_ACCESSORY] = 1;
        else out[IF.UNWORN_ACCESSORY] = 1;
        break;
      case OCLASS.TOOL:
        out[IF.TOOL] = 1;
        break;
      case OCLASS.POTION:
        out[IF.POTION] = 1;
        break;
      case OCLASS.SCROLL:
        out[IF.SCROLL] = 1;
        break;
      case OCLASS.SPBOOK:
        out[IF.SPELLBOOK] = 1;
        break;
      case OCLASS.WAND:
        out[IF.WAND] = 1;
        break;
      case OCLASS.GEM:
        out[IF.GEM] = 1;
        break;
      default:
        break;
    }
  }
  if (count >= NEARLY_FULL_ITEMS) out[IF.NEARLY_FULL] = 1;
  if (count === 0) out[IF.EMPTY] = 1;
}
