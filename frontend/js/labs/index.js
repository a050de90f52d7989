// The list of labs shown on the Labs tab, in the book's order. Each: {id, chapter,
// title: {ja, en}, summary: {ja, en}, book?: {ja, en}, mount(el, ctx) -> {unmount(), relabel?()}};
// ctx = {lang, t, onLangChange(fn)}. Texts are relabelled by i18n.applyI18n with the page;
// relabel() redraws what i18n cannot reach (chart titles and axes).
import { lab as activations } from "./activations.js";
import { lab as augmentation } from "./augmentation.js";
import { lab as batchNorm } from "./batch_norm.js";
import { lab as backprop } from "./backprop.js";
import { lab as convolution } from "./convolution.js";
import { lab as gradientCheck } from "./gradient_check.js";
import { lab as hyperparameterSearch } from "./hyperparameter_search.js";
import { lab as misclassified } from "./misclassified.js";
import { lab as nielsen } from "./nielsen.js";
import { lab as nielsenConstruction } from "./nielsen_construction.js";
import { lab as numerical } from "./numerical.js";
import { lab as optimizerRace } from "./optimizer_race.js";
import { lab as optimizersMnist } from "./optimizers_mnist.js";
import { lab as overfitting } from "./overfitting.js";
import { lab as perceptron } from "./perceptron.js";
import { lab as schedules } from "./schedules.js";
import { lab as weightInit } from "./weight_init.js";

function withRelabel(lab) {
  return {
    ...lab,
    mount(el, ctx = {}) {
      const inst = lab.mount(el, ctx);
      const off = typeof ctx.onLangChange === "function" ? ctx.onLangChange(() => inst.relabel?.()) : null;
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
  perceptron, activations, numerical, backprop, gradientCheck, optimizerRace, optimizersMnist,
  schedules, weightInit, batchNorm, overfitting, hyperparameterSearch, convolution, augmentation,
  misclassified, nielsen, nielsenConstruction,
].map(withRelabel);
