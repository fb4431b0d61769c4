/**
 * A tty-like window port for the shim's callbacks: keeps the map (glyph ids plus mapglyph's char/colour/special),
 * status fields, this step's messages, the permanent inventory, and emulates prompts one key at a time
 * (yn_function, getlin, menus, getpos loops, `#` extended commands), like NLE's tty does.
 */
import { PENDING, type CallbackHandler, type CallbackResult, type NetHackGame } from "./engine.js";
import { GLYPH_UNEXPLORED } from "./glyphs.js";
import { EXT_FLAG, readExtCommandList, type ExtCommand } from "./catalog.js";

export const MAP_ROWS = 21;
export const MAP_COLS = 79;
export const KEY_ESC = 27;
export const KEY_ENTER = 13;
const KEY_BACKSPACE = 8;
const KEY_KILL = 21; // ^U, tty's usual kill character
const KEY_DEL = 127;
/** tty's getline accepts at most COLNO (80) typed characters. */
const EXT_MAX_TYPED = 80;

/** Status fields of this build (BL_* indices), checked against the game's own constants at start. */
export const BLF = {
  TITLE: 0,
  STR: 1,
  DX: 2,
  CO: 3,
  IN: 4,
  WI: 5,
  CH: 6,
  ALIGN: 7,
  SCORE: 8,
  CAP: 9,
  GOLD: 10,
  ENE: 11,
  ENEMAX: 12,
  XP: 13,
  AC: 14,
  HD: 15,
  TIME: 16,
  HUNGER: 17,
  HP: 18,
  HPMAX: 19,
  LEVELDESC: 20,
  EXP: 21,
  CONDITION: 22,
} as const;
export const NUM_STATUS_FIELDS = 23;
const ALL_STATUS_DIRTY = (1 << NUM_STATUS_FIELDS) - 1;

export type PendingKind = "key" | "yn" | "getlin" | "menu" | "text" | "extcmd";

export interface MenuItem {
  glyph: number;
  identifier: number;
  accelerator: number;
  attr: number;
  text: string;
  selected: boolean;
}

export interface InventoryItem {
  glyph: number;
  letter: number;
  oclass: number;
  text: string;
}

/** Inventory header text → object class (perm_invent lists items under these headers). */
const CLASS_HEADERS: Record<string, number> = {
  Weapons: 2,
  Armor: 3,
  Rings: 4,
  Amulets: 5,
  Tools: 6,
  Comestibles: 7,
  Potions: 8,
  Scrolls: 9,
  Spellbooks: 10,
  Wands: 11,
  Coins: 12,
  "Gems/Stones": 13,
  "Boulders/Statues": 14,
  "Iron balls": 15,
  Chains: 16,
  Venoms: 17,
};

const TEXT_TYPES = new Set([4, 5]); // NHW_MENU, NHW_TEXT

export interface WindowPortOptions {
  /** Blocking text windows (e.g. a long message list) wait for a key instead of closing by themselves. */
  autoMore?: boolean;
}

/** Map buffers (21×79) the port writes into, e.g. views of shared memory; allocated when not given. */
export interface MapBuffers {
  glyphs: Int16Array;
  chars: Uint8Array;
  colors: Uint8Array;
  specials: Uint8Array;
}

/** feed()'s answer when the key was consumed by the emulation and the game keeps waiting. */
export const CONSUMED = undefined;

export class WindowPort implements CallbackHandler {
  readonly glyphs: Int16Array;
  readonly chars: Uint8Array;
  readonly colors: Uint8Array;
  readonly specials: Uint8Array;
  /** Latest text of every status field (BLF index). */
  readonly status: string[] = new Array<string>(NUM_STATUS_FIELDS).fill("");
  /**
   * Bit `1 << field` is set when that status field (or, for BLF.CONDITION, the condition mask) changed; the
   * reader clears it, so status texts are parsed only when the game sent new ones.
   */
  statusDirty = ALL_STATUS_DIRTY;
  /** The 3.7 BL_MASK_* condition bits. */
  conditionMask = 0;
  /** Messages printed since the last `beginStep()`. */
  messages: string[] = [];
  inventory: InventoryItem[] = [];
  cursorX = 0;
  cursorY = 0;
  /** What the game is waiting for. */
  pending: PendingKind = "key";
  yn: { query: string; choices: string; def: number } = { query: "", choices: "", def: 0 };
  getlinBuf = "";
  private getlinPtr = 0;
  menu: { win: number; how: number; items: MenuItem[]; prompt: string; slot: number } | null = null;
  /** The last endgame status seen (outrip's `how`), -1 if none. */
  outripHow = -1;
  gameOver = false;
  private readonly winTypes = new Map<number, number>();
  private nextWin = 1;
  private winMap = -1;
  private winMessage = -1;
  private winInven = -1;
  private winStatus = -1;
  private readonly menus = new Map<number, { items: MenuItem[]; prompt: string }>();
  private readonly mg = new Int32Array(3);
  private game: NetHackGame | null = null;
  /** Extended-command prompt: the line (typed text plus autocompletion) and how much of it was typed. */
  private extCommands: ExtCommand[] = [];
  private extLine = "";
  private extTyped = 0;

  constructor(
    private readonly opts: WindowPortOptions = {},
    buffers?: MapBuffers,
  ) {
    const n = MAP_ROWS * MAP_COLS;
    this.glyphs = buffers?.glyphs ?? new Int16Array(n);
    this.chars = buffers?.chars ?? new Uint8Array(n);
    this.colors = buffers?.colors ?? new Uint8Array(n);
    this.specials = buffers?.specials ?? new Uint8Array(n);
    this.clearMap();
  }

  private clearMap(): void {
    this.glyphs.fill(GLYPH_UNEXPLORED);
    this.chars.fill(32);
    this.colors.fill(0);
    this.specials.fill(0);
  }

  reset(): void {
    this.clearMap();
    this.status.fill("");
    this.statusDirty = ALL_STATUS_DIRTY;
    this.conditionMask = 0;
    this.messages = [];
    this.inventory = [];
    this.pending = "key";
    this.menu = null;
    this.outripHow = -1;
    this.gameOver = false;
    this.winTypes.clear();
    this.menus.clear();
    this.nextWin = 1;
    this.winMap = this.winMessage = this.winInven = this.winStatus = -1;
    this.getlinBuf = "";
    this.extLine = "";
    this.extTyped = 0;
    this.game = null;
  }

  beginStep(): void {
    // A new array (not a truncation): callers may hold the previous step's list.
    if (this.messages.length) this.messages = [];
  }

  onCallback(name: string, a: Array<number | string>, game: NetHackGame): CallbackResult {
    this.game = game;
    switch (name) {
      case "shim_print_glyph": {
        const win = a[0] as number;
        if (win !== this.winMap) return 0;
        const x = a[1] as number;
        const y = a[2] as number;
        if (x < 1 || x > MAP_COLS || y < 0 || y >= MAP_ROWS) return 0;
        const glyph = a[3] as number;
        const i = y * MAP_COLS + (x - 1);
        this.glyphs[i] = glyph;
        game.mapglyph(glyph, x, y, this.mg);
        this.chars[i] = this.mg[0] & 0xff;
        this.colors[i] = this.mg[1] & 0xff;
        this.specials[i] = this.mg[2] & 0xff;
        return 0;
      }
      case "shim_status_update":
        this.statusUpdate(a[0] as number, a[1] as number, game);
        return 0;
      case "shim_nh_poskey":
      case "shim_nhgetch":
        this.pending = "key";
        return PENDING;
      case "shim_raw_print":
      case "shim_raw_print_bold":
        this.message(a[0] as string);
        return 0;
      case "shim_putstr": {
        const win = a[0] as number;
        if (win === this.winMessage) this.message(a[2] as string);
        else if (win !== this.winStatus) {
          const m = this.menus.get(win);
          if (m)
            m.items.push({
              glyph: 0,
              identifier: 0,
              accelerator: 0,
              attr: a[1] as number,
              text: a[2] as string,
              selected: false,
            });
        }
        return 0;
      }
      case "shim_yn_function": {
        const query = a[0] as string;
        const choices = a[1] as string;
        this.yn = { query, choices, def: a[2] as number };
        this.message(choices ? `${query} [${choices}] (${String.fromCharCode(this.yn.def || 32)})` : query);
        this.pending = "yn";
        return PENDING;
      }
      case "shim_getlin":
        this.message(a[0] as string);
        this.getlinBuf = "";
        this.getlinPtr = game.heap32[(a[1] as number) >> 2];
        this.pending = "getlin";
        return PENDING;
      case "shim_create_nhwindow": {
        const type = a[0] as number;
        const id = this.nextWin++;
        this.winTypes.set(id, type);
        if (type === 1 && this.winMessage < 0) this.winMessage = id;
        else if (type === 2 && this.winStatus < 0) this.winStatus = id;
        else if (type === 3 && this.winMap < 0) this.winMap = id;
        else if (type === 4 && this.winInven < 0) this.winInven = id;
        return id;
      }
      case "shim_clear_nhwindow": {
        const win = a[0] as number;
        if (win === this.winMap) this.clearMap();
        else if (this.menus.has(win)) this.menus.set(win, { items: [], prompt: "" });
        return 0;
      }
      case "shim_start_menu":
        this.menus.set(a[0] as number, { items: [], prompt: "" });
        return 0;
      case "shim_add_menu": {
        const m = this.menus.get(a[0] as number);
        if (m) {
          m.items.push({
            glyph: a[1] as number,
            identifier: a[2] as number,
            accelerator: a[3] as number,
            attr: a[5] as number,
            text: a[6] as string,
            selected: false,
          });
        }
        return 0;
      }
      case "shim_end_menu": {
        const m = this.menus.get(a[0] as number);
        if (m) m.prompt = (a[1] as string) ?? "";
        return 0;
      }
      case "shim_select_menu":
        return this.selectMenu(a[0] as number, a[1] as number, a[2] as number);
      case "shim_display_nhwindow": {
        const win = a[0] as number;
        const blocking = a[1] as number;
        if (blocking && TEXT_TYPES.has(this.winTypes.get(win) ?? 0) && this.opts.autoMore === false) {
          this.pending = "text";
          return PENDING;
        }
        return 0;
      }
      case "shim_destroy_nhwindow":
        this.menus.delete(a[0] as number);
        return 0;
      case "shim_curs":
        if ((a[0] as number) === this.winMap) {
          this.cursorX = a[1] as number;
          this.cursorY = a[2] as number;
        }
        return 0;
      case "shim_message_menu":
        // A one-line menu shown as a message; answer "no selection".
        this.message(a[2] as string);
        return 0;
      case "shim_get_ext_cmd":
        // tty's "#" prompt: the command name is typed one key per step (see feedExtCommand).
        if (this.extCommands.length === 0) this.extCommands = readExtCommandList(game);
        this.extLine = "";
        this.extTyped = 0;
        this.showExtLine();
        this.pending = "extcmd";
        return PENDING;
      case "shim_outrip":
        this.outripHow = a[1] as number;
        return 0;
      case "shim_exit_nhwindows":
        this.gameOver = true;
        if (a[0]) this.message(a[0] as string);
        return 0;
      case "shim_getmsghistory":
      case "shim_get_color_string":
        return null;
      default:
        return 0;
    }
  }

  private message(s: string): void {
    if (s) this.messages.push(s);
  }

  private statusUpdate(field: number, slot: number, game: NetHackGame): void {
    if (field < 0 || field >= NUM_STATUS_FIELDS) return;
    const ptr = game.heap32[slot >> 2];
    if (field === BLF.CONDITION) {
      const mask = ptr ? game.heap32[ptr >> 2] : 0;
      if (mask !== this.conditionMask) this.statusDirty |= 1 << field;
      this.conditionMask = mask;
      return;
    }
    const text = ptr ? game.readString(ptr) : "";
    if (text !== this.status[field]) {
      this.status[field] = text;
      this.statusDirty |= 1 << field;
    }
  }

  private selectMenu(win: number, how: number, slot: number): CallbackResult {
    const m = this.menus.get(win) ?? { items: [], prompt: "" };
    if (win === this.winInven && how === 0) {
      // perm_invent refresh: capture the inventory, no input needed.
      this.captureInventory(m.items);
      return 0;
    }
    if (how === 0) return 0;
    // Items without an accelerator get a-z, A-Z as tty assigns them (selectable items only).
    let next = 0;
    const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for (const it of m.items) {
      if (it.identifier !== 0 && it.accelerator === 0 && next < letters.length)
        it.accelerator = letters.charCodeAt(next++);
    }
    this.menu = { win, how, items: m.items, prompt: m.prompt, slot };
    if (m.prompt) this.message(m.prompt);
    this.pending = "menu";
    return PENDING;
  }

  private captureInventory(items: MenuItem[]): void {
    const inv: InventoryItem[] = [];
    let oclass = 0;
    for (const it of items) {
      if (it.identifier === 0) {
        const c = CLASS_HEADERS[it.text.trim()];
        if (c !== undefined) oclass = c;
        continue;
      }
      inv.push({ glyph: it.glyph, letter: it.accelerator, oclass, text: it.text });
    }
    this.inventory = inv;
  }

  /**
   * Feeds one agent key to the pending request. Returns the value to resume the game with, or undefined when
   * the key was consumed by the emulation (menu toggles, line editing, a key a yn prompt ignores).
   */
  feedKey(key: number): { resume: true; value: number } | { resume: false } {
    const v = this.feed(key);
    return v === CONSUMED ? { resume: false } : { resume: true, value: v };
  }

  /** feedKey without the result object: the value to resume with, or CONSUMED. */
  feed(key: number): number | undefined {
    switch (this.pending) {
      case "key":
      case "text":
        return key;
      case "yn":
        return this.feedYn(key);
      case "getlin":
        return this.feedGetlin(key);
      case "menu":
        return this.feedMenu(key);
      case "extcmd":
        return this.feedExtCommand(key);
    }
  }

  private feedYn(key: number): number | undefined {
    const { choices, def } = this.yn;
    if (!choices) return key;
    const ch = String.fromCharCode(key);
    if (key === KEY_ESC) return choices.includes("q") ? 113 : choices.includes("n") ? 110 : def;
    if (key === KEY_ENTER || key === 10 || key === 32) return def;
    // tty accepts the choice letters (and digits for count-taking prompts), ignoring anything else.
    const allowed = choices.split("\x1b")[0];
    if (allowed.includes(ch) || (choices.includes("#") && key >= 48 && key <= 57)) return key;
    return CONSUMED;
  }

  private feedGetlin(key: number): number | undefined {
    const game = this.game!;
    if (key === KEY_ESC) {
      this.writeCString(game, this.getlinPtr, "\x1b");
      return 0;
    }
    if (key === KEY_ENTER || key === 10) {
      this.writeCString(game, this.getlinPtr, this.getlinBuf);
      return 0;
    }
    if (key === 8 || key === 127) this.getlinBuf = this.getlinBuf.slice(0, -1);
    else if (key >= 32 && key < 127 && this.getlinBuf.length < 255)
      this.getlinBuf += String.fromCharCode(key);
    return CONSUMED;
  }

  /**
   * One key of tty's "#" prompt (NetHack 3.6 win/tty/getline.c, as NLE runs it): printable keys are typed,
   * and when the typed text is the prefix of exactly one autocompleting command the line shows that command
   * (the cursor stays after the typed part); Backspace erases one typed key, DEL/^U erase the line; Enter
   * submits the whole line, matched case-insensitively; ESC clears a non-empty line, else cancels. The prompt
   * line ("# pra" → "# pray") is the step's message, as tty's top line is NLE's.
   */
  private feedExtCommand(key: number): number | undefined {
    if (key === KEY_ESC) {
      if (this.extLine === "") return this.endExtCommand(-1);
      this.extLine = "";
      this.extTyped = 0;
    } else if (key === KEY_ENTER || key === 10) {
      const line = this.extLine.replace(/\s+/g, " ").trim(); // mungspaces()
      if (line === "") return this.endExtCommand(-1);
      const lower = line.toLowerCase();
      const idx = this.extCommands.findIndex((c) => c.name.toLowerCase() === lower);
      if (idx < 0) this.message(`${line}: unknown extended command.`);
      return this.endExtCommand(idx);
    } else if (key === KEY_BACKSPACE) {
      if (this.extTyped > 0) this.extLine = this.extLine.slice(0, --this.extTyped);
    } else if (key === KEY_DEL || key === KEY_KILL) {
      this.extLine = "";
      this.extTyped = 0;
    } else if (key >= 32 && key < 127 && this.extTyped < EXT_MAX_TYPED) {
      this.extLine = this.extLine.slice(0, this.extTyped) + String.fromCharCode(key);
      this.extTyped++;
      this.extLine = this.autocomplete(this.extLine) ?? this.extLine;
    } // anything else: tty rings the bell
    this.showExtLine();
    return CONSUMED;
  }

  /** The only command (autocompleting, not wizard-mode, available) that `prefix` starts, if exactly one. */
  private autocomplete(prefix: string): string | undefined {
    const p = prefix.toLowerCase();
    let found: string | undefined;
    for (const c of this.extCommands) {
      if (c.flags & EXT_FLAG.CMD_NOT_AVAILABLE) continue;
      if (!(c.flags & EXT_FLAG.AUTOCOMPLETE) || c.flags & EXT_FLAG.WIZMODECMD) continue;
      if (!c.name.toLowerCase().startsWith(p)) continue;
      if (found !== undefined) return undefined;
      found = c.name;
    }
    return found;
  }

  private showExtLine(): void {
    this.message(`# ${this.extLine}`);
  }

  private endExtCommand(index: number): number {
    this.extLine = "";
    this.extTyped = 0;
    return index;
  }

  private feedMenu(key: number): number | undefined {
    const menu = this.menu!;
    const game = this.game!;
    const selectable = menu.items.filter((it) => it.identifier !== 0);
    const finish = (chosen: MenuItem[]) => {
      this.menu = null;
      if (chosen.length === 0) return 0;
      const arr = game.malloc(12 * chosen.length);
      chosen.forEach((it, k) => {
        const p = (arr >> 2) + 3 * k;
        game.heap32[p] = it.identifier;
        game.heap32[p + 1] = -1; // count: all
        game.heap32[p + 2] = 0;
      });
      game.heap32[game.heap32[menu.slot >> 2] >> 2] = arr;
      return chosen.length;
    };
    if (key === KEY_ESC) {
      this.menu = null;
      return -1;
    }
    if (key === KEY_ENTER || key === 10 || key === 32) return finish(selectable.filter((it) => it.selected));
    if (menu.how === 2 && (key === 44 || key === 45)) {
      for (const it of selectable) it.selected = key === 44; // ',' select all, '-' unselect all
      return CONSUMED;
    }
    const hit = selectable.find((it) => it.accelerator === key);
    if (!hit) return CONSUMED;
    if (menu.how === 1) return finish([hit]);
    hit.selected = !hit.selected;
    return CONSUMED;
  }

  private writeCString(game: NetHackGame, ptr: number, s: string): void {
    const h = game.heapU8;
    const n = Math.min(s.length, 255);
    for (let i = 0; i < n; i++) h[ptr + i] = s.charCodeAt(i) & 0xff;
    h[ptr + n] = 0;
  }
}
