// The list of labs shown on the Labs tab. Each: {id, chapter, title: {ja, en},
// summary: {ja, en}, mount(el, ctx) -> {unmount()}}; ctx = {lang, t, onLangChange(fn)}.
import { applyLang, setLang } from "./common.js";
import { lab as batchNorm } from "./batch_norm.js";
import { lab as gradientCheck } from "./gradient_check.js";
import { lab as hyperparameterSearch } from "./hyperparameter_search.js";
import { lab as nielsen } from "./nielsen.js";
import { lab as optimizerRace } from "./optimizer_race.js";
import { lab as optimizersMnist } from "./optimizers_mnist.js";
import { lab as overfitting } from "./overfitting.js";
import { lab as perceptron } from "./perceptron.js";
import { lab as weightInit } from "./weight_init.js";

// Every lab builds its texts in both languages (data-ja / data-en); this wrapper picks the
// current one at mount and switches them when the shell's language changes.
function withLanguage(lab) {
  return {
    ...lab,
    mount(el, ctx = {}) {
      setLang(ctx.lang || "ja");
      const inst = lab.mount(el, ctx);
      let off = null;
      if (typeof ctx.onLangChange === "function") {
        off = ctx.onLangChange((lang) => { applyLang(el, lang ?? ctx.lang); inst.relabel?.(); });
      }
      return {
        unmount() {
          if (typeof off === "function") off();
          inst.unmount();
        },
      };
    },
  };
}

export const LABS = [
  perceptron, gradientCheck, optimizerRace, optimizersMnist, weightInit, batchNorm,
  overfitting, hyperparameterSearch, nielsen,
].map(withLanguage);
