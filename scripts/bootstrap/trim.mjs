// Writes static/vendor/bootstrap/bootstrap.min.css: Bootstrap's dist CSS less every rule that no
// page of the portal can use, so the one render-blocking stylesheet costs a few KB, not 23.
//
// Regenerate (after changing templates, forms' CSS classes or static/js, or to upgrade Bootstrap):
//
//     cd scripts/bootstrap && npm ci && npm run trim
//
// Source: node_modules/bootstrap/dist/css/bootstrap.min.css of the exact version pinned in
// package.json / package-lock.json; trimmer: PurgeCSS, pinned the same way. PurgeCSS keeps a rule
// when every class, tag and attribute of one of its selectors occurs as a word in the content
// below, so a class that is only ever *built* (alert-{{ tag }}) must be in SAFELIST.
// tests/portal/test_bootstrap_trim.py fails when a template or form uses a class this dropped.

import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PurgeCSS } from "purgecss";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const SOURCE = path.join(HERE, "node_modules/bootstrap/dist/css/bootstrap.min.css");
const TARGET = path.join(ROOT, "static/vendor/bootstrap/bootstrap.min.css");
const require = createRequire(import.meta.url);
const BOOTSTRAP_VERSION = require("bootstrap/package.json").version;
const PURGECSS_VERSION = require("purgecss/package.json").version;

// Everything that can put a class or an element into a page that links Bootstrap.
const CONTENT = [
  "templates/**/*.html", // base.html, includes/, one folder per app
  "*/templates/**/*.html", // apps' own templates (umkm's map-picker widget, ...)
  "static/js/*.js", // classes set from script (none from Bootstrap today)
  "**/*.py", // forms set widget classes in Python: form-control, form-select
].map((glob) => path.join(ROOT, glob));
// crispy-forms' Bootstrap 5 pack renders the public forms. templates/bootstrap5/ (above) overrides
// what the portal changes; these are the pack's own templates those overrides include, read from
// the venv. Not the whole pack: most of it (checkboxes, tabs, modals) no page uses.
// tests/portal/test_bootstrap_trim.py checks the same list.
const PACK = path.join(ROOT, ".venv/lib/python3.11/site-packages/crispy_bootstrap5/templates");
const PACK_TEMPLATES = [
  "bootstrap5/uni_form.html",
  "bootstrap5/layout/help_text_and_errors.html",
  "bootstrap5/layout/help_text.html",
];
const packContent = await Promise.all(
  PACK_TEMPLATES.map(async (name) => ({
    raw: await readFile(path.join(PACK, name), "utf8"),
    extension: "html",
  })),
);
const SKIP = [".venv/**", "**/node_modules/**", "var/**", "artifacts/**", "staticfiles/**"].map(
  (glob) => path.join(ROOT, glob),
);

const SAFELIST = {
  standard: [
    // templates/includes/_messages.html builds alert-{{ message.tags }} (info, success, warning,
    // danger, and whatever extra_tags a view adds): keep the whole alert family.
    /^alert-/,
    // Reboot's element rules, whether or not a template spells the tag out: Django renders
    // widgets (<textarea>, <optgroup>) from Python and editors' text brings its own tags. (A
    // pattern also keeps the class of the same name: .small, .mark, .h1-.h6, .table, .progress.)
    /^(button|input|select|textarea|optgroup|option|label|fieldset|legend|output|progress)$/,
    /^(dialog|details|summary|iframe|img|svg|table|caption|thead|tbody|tfoot|tr|th|td)$/,
    /^(p|ul|ol|li|dl|dt|dd|blockquote|pre|code|kbd|samp|abbr|address|mark|small|sub|sup|hr)$/,
    /^(b|strong|em|i|a|h[1-6])$/,
    /^hidden$/, // [hidden]{display:none!important}: pages and JS toggle the attribute
  ],
};

const source = await readFile(SOURCE, "utf8");
const [result] = await new PurgeCSS().purge({
  content: [...CONTENT, ...packContent],
  skippedContentGlobs: SKIP,
  css: [{ raw: source }],
  safelist: SAFELIST,
  variables: false, // keep every --bs-* custom property: portal.css reads them too
  keyframes: true, // drop @keyframes no kept rule animates
  fontFace: true, // drop @font-face no kept rule uses (Bootstrap has none today)
});

let css = result.css.replace(/\/\*# sourceMappingURL=[^*]*\*\/\s*$/, "").trimEnd();
const banner = css.indexOf("*/") + 2; // Bootstrap's /*! licence */ stays first
if (!css.slice(0, banner).includes("Licensed under MIT")) {
  throw new Error("Bootstrap's licence banner is not at the top of its CSS any more");
}
const note =
  `/*! Trimmed by PurgeCSS ${PURGECSS_VERSION} to the classes Portal Kelurahan uses;` +
  " regenerate: cd scripts/bootstrap && npm ci && npm run trim */";
css = `${css.slice(0, banner)}${note}${css.slice(banner)}\n`;
await writeFile(TARGET, css);
console.log(
  `bootstrap ${BOOTSTRAP_VERSION}: ${source.length} -> ${css.length} bytes ` +
    `(${path.relative(ROOT, TARGET)})`,
);
