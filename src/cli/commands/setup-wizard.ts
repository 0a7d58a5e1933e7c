import { PassThrough } from "node:stream";
import { checkbox, input, password, select, confirm } from "@inquirer/prompts";
import type { CliContext } from "../context.js";
import { logLine } from "../output.js";
import { CATALOG, InterruptedError, USES, formatBytes, type CatalogModel } from "../../index.js";

/** What the wizard may ask, with what is already known (flags, environment, stored credentials). */
export interface WizardState {
  model?: CatalogModel;
  source?: "meta" | "hf";
  /** Whether a Meta link is already at hand (flag or LLAMAGATE_META_URL). */
  metaUrlPresent: boolean;
  /** Where a Hugging Face token would come from, if one is present (never the token). */
  hfTokenSource?: string;
  /**
   * Log in to the Hub with a token typed at the wizard's hidden prompt (checked with whoami, stored as `llamagate
   * login` stores it); returns the lines to show, or throws the reason the token was refused. Absent offline.
   */
  hfLogin?: { endpoint: string; login: (token: string) => Promise<string> };
  /** Whether the license facts are known (flags, profile, or an earlier recorded acceptance of the model's license). */
  licenseKnown: (model: CatalogModel) => Promise<boolean>;
  mau?: string;
  region?: string;
  uses?: string[];
  dir?: string;
  to?: "hf" | "gguf" | "none";
  dtype?: "f32" | "f16" | "bf16" | "q8_0";
  smokeTest?: boolean;
}

/** Disk for the chosen outputs, relative to the bf16 download. */
const OUTPUT_FACTOR: Record<string, number> = { f32: 2, f16: 1, bf16: 1, q8_0: 0.53 };

/**
 * Ask, on the terminal, only what the flags and the environment did not settle: the model, the source,
 * the license declaration (the verdict and the acceptance come from the license gate's own prompt), the
 * destination, the output format and whether to smoke-test. Returns the completed state.
 */
export async function runSetupWizard(ctx: CliContext, s: WizardState): Promise<WizardState> {
  const io = promptIo(ctx);
  try {
    const out: WizardState = { ...s };
    if (!out.model) {
      const models = CATALOG.filter((m) => m.meta || m.hfRepo);
      const pad = Math.max(...models.map((m) => m.name.length));
      const size = (m: CatalogModel) => (m.meta ? `~${formatBytes(m.meta.weightBytes)}` : "");
      const choices = models.map((m) => ({
        name: fit(io.columns, [
          `${m.name.padEnd(pad)}  ${size(m).padStart(10)}  ${m.title}`,
          `${m.name.padEnd(pad)}  ${size(m).padStart(10)}`,
          `${m.name} ${size(m)}`,
          m.name,
        ]),
        value: m,
      }));
      out.model = await select({ message: "Which model?", choices, pageSize: 12 }, io.opts);
    }
    const model = out.model!;
    if (!out.source) {
      if (!model.meta) out.source = "hf";
      else {
        out.source = await select(
          {
            message: "Download from where?",
            choices: [
              {
                name: fit(io.columns, [
                  `Meta signed URL (from Meta's email)${out.metaUrlPresent ? ": a link is set (LLAMAGATE_META_URL)" : ": you paste the link next"}`,
                  `Meta signed URL${out.metaUrlPresent ? " (link set)" : ""}`,
                ]),
                value: "meta" as const,
              },
              {
                name: fit(io.columns, [
                  `Hugging Face ${model.hfRepo}${out.hfTokenSource ? `: token from ${out.hfTokenSource}` : ": no token found yet (you can log in next)"}`,
                  `Hugging Face${out.hfTokenSource ? " (token found)" : " (no token yet)"}`,
                ]),
                value: "hf" as const,
              },
            ],
          },
          io.opts,
        );
      }
    }
    // Llama repos are gated: without a token the download would fail after every answer, so offer to log in now.
    if (out.source === "hf" && !out.hfTokenSource && out.hfLogin) await offerLogin(out, out.hfLogin, io);
    if (!(await out.licenseKnown(model))) {
      io.note(
        `The ${model.name} license check needs a few facts about your organisation (recorded with your acceptance).`,
      );
      out.mau = await input(
        {
          message: "Monthly active users of your products and services (e.g. 1000, 1.5M):",
          validate: (v) => (v.trim() ? true : "Enter a number, e.g. 1000"),
        },
        io.opts,
      );
      const region = await input(
        { message: "Country of domicile (ISO code such as US, DE) or EU; empty to skip:", default: "" },
        io.opts,
      );
      out.region = region.trim() || undefined;
      out.uses = await checkbox(
        {
          message: "Intended uses (space to select, enter when done):",
          choices: USES.map((u) => ({ name: u, value: u as string })),
        },
        io.opts,
      );
    }
    if (out.dir === undefined) {
      const fallback = out.source === "hf" ? "" : ".";
      const hint = out.source === "hf" ? " (empty: the Hugging Face cache)" : "";
      out.dir =
        (await input({ message: `Destination folder${hint}:`, default: fallback }, io.opts)).trim() || undefined;
      if (out.source === "meta" && out.dir === undefined) out.dir = ".";
    }
    const download = model.meta?.weightBytes;
    if (!out.to) {
      const size = (f: number) => (download ? `, ~${formatBytes(download * (1 + f))} of disk in all` : "");
      const disk = (f: number) => (download ? ` (~${formatBytes(download * (1 + f))})` : "");
      out.to = await select(
        {
          message: "Convert to?",
          choices: [
            {
              name: fit(io.columns, [`GGUF for llama.cpp (smoke-testable)${size(1)}`, `GGUF${disk(1)}`]),
              value: "gguf" as const,
            },
            {
              name: fit(io.columns, [`Hugging Face safetensors${size(1)}`, `HF safetensors${disk(1)}`]),
              value: "hf" as const,
            },
            { name: fit(io.columns, [`No conversion${size(0)}`, `No conversion${disk(0)}`]), value: "none" as const },
          ],
        },
        io.opts,
      );
    }
    if (out.to !== "none" && !out.dtype) {
      const choices = (out.to === "gguf" ? ["bf16", "f16", "q8_0", "f32"] : ["bf16", "f16", "f32"]).map((d) => ({
        name: `${d}${download ? ` (~${formatBytes(download * OUTPUT_FACTOR[d]!)})` : ""}`,
        value: d as WizardState["dtype"],
      }));
      out.dtype = await select({ message: "Weight type of the output?", choices }, io.opts);
    }
    if (out.to === "gguf" && out.smokeTest === undefined) {
      out.smokeTest = await confirm(
        { message: "Run the smoke test (generate a few tokens) at the end?", default: true },
        io.opts,
      );
    }
    return out;
  } catch (e) {
    if (e instanceof Error && (e.name === "ExitPromptError" || e.name === "AbortPromptError"))
      throw new InterruptedError("Setup cancelled; nothing was fetched.", {
        hint: "Nothing was kept: run llamagate setup again to start over.",
      });
    throw e;
  } finally {
    io.close();
  }
}

/** As `hf auth login` does: ask for a token (hidden), check it with whoami, store it; an empty answer skips. */
async function offerLogin(
  out: WizardState,
  hub: NonNullable<WizardState["hfLogin"]>,
  io: ReturnType<typeof promptIo>,
): Promise<void> {
  const now = await confirm(
    { message: "No Hugging Face token found, and Llama repos are gated. Log in now?", default: true },
    io.opts,
  );
  if (!now) {
    io.note("Continuing without a token: the download needs one (run llamagate login, or set HF_TOKEN).");
    return;
  }
  let done: string | undefined;
  await password(
    {
      message: `Hugging Face token (from ${hub.endpoint}/settings/tokens; empty to skip):`,
      mask: false,
      validate: async (value) => {
        if (!value.trim()) return true;
        try {
          done = await hub.login(value.trim());
          return true;
        } catch (e) {
          return e instanceof Error ? e.message : String(e);
        }
      },
    },
    io.opts,
  );
  if (done) {
    for (const line of done.split("\n")) io.note(line);
    out.hfTokenSource = "the stored login";
  }
}

/**
 * The first label that fits a select row on this terminal (inquirer's "❯ " prefix and the last column left free),
 * so no choice wraps; the last one when none does.
 */
function fit(columns: number, labels: string[]): string {
  return labels.find((l) => l.length <= columns - 3) ?? labels[labels.length - 1]!;
}

/** Inquirer ends its output stream when a prompt closes: each prompt gets its own proxy, so stderr stays open. */
function promptIo(ctx: CliContext) {
  const proxies: PassThrough[] = [];
  return {
    get opts() {
      const output = Object.assign(new PassThrough(), { isTTY: ctx.stderr.isTTY, columns: ctx.stderr.columns });
      output.pipe(ctx.stderr, { end: false });
      proxies.push(output);
      return { input: ctx.stdin, output, signal: ctx.signal };
    },
    note: (line: string) => logLine(ctx, line),
    /** The terminal's width (80 when unknown). */
    columns: ctx.stderr.columns || 80,
    close: () => {
      for (const p of proxies) p.unpipe(ctx.stderr);
    },
  };
}
