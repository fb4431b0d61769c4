/** The game engine layer: the pinned NetHack wasm package, patched, optimised and driven synchronously. */
export * from "./glyphs.js";
export {
  NetHackGame,
  PENDING,
  ExitSignal,
  type CallbackHandler,
  type CallbackResult,
  type GameStartOptions,
} from "./engine.js";
export { WindowPort, BLF, CONSUMED, type InventoryItem, type MenuItem, type PendingKind } from "./winport.js";
export {
  loadAssets,
  buildAssets,
  adoptCompiledModule,
  type EngineAssets,
  type WasmVariant,
} from "./assets.js";
export { readPackageFiles, PINNED_VERSION, PINNED_SHA256, EnginePackageError } from "./package.js";
export {
  readHero,
  newHeroState,
  checkHeroLayout,
  EngineLayoutError,
  U_ADDR,
  type HeroState,
} from "./hero.js";
export {
  readCatalog,
  readMonsterNames,
  readObjectNames,
  readExtCommandList,
  EXT_FLAG,
  type Catalog,
  type ExtCommand,
} from "./catalog.js";
export {
  NLE_GLYPH,
  nleNames,
  nleGlyphTable,
  buildNleGlyphTable,
  toNleGlyphs,
  type NleNames,
} from "./nle-glyphs.js";
