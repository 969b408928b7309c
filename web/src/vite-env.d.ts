/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Only for `vite dev` against a stack on another origin; the gateway's /config.json wins. */
  readonly VITE_SUPABASE_URL?: string;
  readonly VITE_SUPABASE_ANON_KEY?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
