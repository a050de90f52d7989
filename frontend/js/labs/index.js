// The list of labs shown on the Labs tab. Each: {id, chapter, title: {ja, en}, mount(el, ctx)}.
export const LABS = [];
