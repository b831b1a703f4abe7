"""What every page must pass in a real browser, beside axe: tap targets of at least 44 × 44 px, no
horizontal overflow, and no text cut off (by an overflow, an ellipsis, or a select or field too narrow
for its value). Each check returns readable lines; an empty list passes."""
from __future__ import annotations

MIN_TARGET_PX = 44

_DESCRIBE = """
const describe = (el) => {
  const text = (el.getAttribute('aria-label') || el.innerText || el.value || el.getAttribute('name') || '')
      .trim().replace(/\\s+/g, ' ').slice(0, 40);
  const cls = el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
  return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${cls} "${text}"`;
};
const shown = (el) => {
  if (el.closest('[hidden], [inert], dialog:not([open]), template')) return false;
  const style = getComputedStyle(el);
  if (style.display === 'none' || style.visibility === 'hidden') return false;
  const box = el.getBoundingClientRect();
  return box.width > 0 || box.height > 0;
};
"""

_TAP_TARGETS = _DESCRIBE + """
(minimum) => {
  const problems = [];
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex="0"]';
  for (const el of document.querySelectorAll(selector)) {
    if (!shown(el)) continue;
    // A check box or radio inside its label is tapped through the label: the label is the target.
    let target = el;
    if (el.matches('input[type=checkbox], input[type=radio]') && el.closest('label')) target = el.closest('label');
    // A "stretched" link whose ::after covers its card (position: absolute) is tapped anywhere on
    // the pseudo-element's containing block: the nearest positioned ancestor.
    const after = getComputedStyle(el, '::after');
    if (after.content !== 'none' && after.position === 'absolute') {
      for (let parent = el; parent; parent = parent.parentElement) {
        if (getComputedStyle(parent).position !== 'static') { target = parent; break; }
      }
    }
    // The skip link sits off screen until focused; it is measured as it shows then.
    if (el.classList.contains('skip-link')) { el.focus(); }
    const box = target.getBoundingClientRect();
    if (el.classList.contains('skip-link')) { el.blur(); }
    if (box.width + 0.5 < minimum || box.height + 0.5 < minimum) {
      problems.push(`${describe(el)} is ${Math.round(box.width)}×${Math.round(box.height)} px`);
    }
  }
  return problems;
}
"""

_OVERFLOW = """
() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  if (document.documentElement.scrollWidth > width) {
    problems.push(`page is ${document.documentElement.scrollWidth} px wide in a ${width} px viewport`);
  }
  return problems;
}
"""

_TRUNCATION = _DESCRIBE + """
() => {
  const problems = [];
  const canvas = document.createElement('canvas').getContext('2d');
  const clipping = (style) => ['hidden', 'clip'].includes(style.overflowX) || style.textOverflow === 'ellipsis';
  for (const el of document.querySelectorAll('body *')) {
    if (!shown(el) || el.closest('.visually-hidden, .skip-link, svg, iframe')) continue;
    const style = getComputedStyle(el);
    if (el.tagName === 'SELECT') {
      // A select as wide as its chosen option needs: a clone with only that option, sized by itself.
      const option = el.options[el.selectedIndex];
      if (!option) continue;
      const clone = el.cloneNode(false);
      clone.appendChild(option.cloneNode(true));
      clone.style.cssText = 'position:absolute; visibility:hidden; width:auto; min-width:0; max-width:none; left:0; top:0';
      el.parentNode.appendChild(clone);
      const needed = clone.getBoundingClientRect().width;
      clone.remove();
      const has = el.getBoundingClientRect().width;
      if (needed > has + 1) problems.push(`${describe(el)} shows "${option.text}" cut off (${Math.round(has)} of ${Math.round(needed)} px)`);
      continue;
    }
    if (el.tagName === 'INPUT' && el.value && !['checkbox', 'radio', 'range', 'color', 'file', 'hidden'].includes(el.type)) {
      canvas.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const needed = canvas.measureText(el.value).width;
      let room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      if (el.type === 'number' && !matchMedia('(pointer: coarse)').matches) room -= 15;  // spin buttons
      if (['date', 'time', 'datetime-local'].includes(el.type)) room = Infinity;  // drawn by the browser
      if (needed > room + 1) problems.push(`${describe(el)} shows its value "${el.value}" cut off (${Math.round(room)} of ${Math.round(needed)} px)`);
      continue;
    }
    const hasText = [...el.childNodes].some(node => node.nodeType === 3 && node.textContent.trim());
    if (!hasText) continue;
    if (clipping(style) && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`${describe(el)} is cut off (${el.clientWidth} of ${el.scrollWidth} px)`);
      continue;
    }
    // Cut off by a clipping ancestor.
    const box = el.getBoundingClientRect();
    for (let parent = el.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
      const parentStyle = getComputedStyle(parent);
      if (!clipping(parentStyle) || parentStyle.overflowX === 'auto' || parentStyle.overflowX === 'scroll') continue;
      const frame = parent.getBoundingClientRect();
      if (box.right > frame.right + 1 || box.left < frame.left - 1) {
        problems.push(`${describe(el)} is cut off by ${describe(parent)}`);
      }
      break;
    }
  }
  return problems;
}
"""


_HEADINGS = _DESCRIBE + """
() => {
  // Visible headings go h1, then one level down at a time (h1 → h2 → h3), never skipping a level.
  const problems = [];
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(shown);
  let previous = 0;
  for (const heading of headings) {
    const level = Number(heading.tagName[1]);
    if (level > previous + 1) problems.push(`${describe(heading)} (h${level}) follows h${previous}`);
    previous = level;
  }
  if (headings.filter(h => h.tagName === 'H1').length !== 1) problems.push('the page has no single h1');
  return problems;
}
"""


def heading_problems(page) -> list[str]:
    return page.evaluate(_HEADINGS)


def tap_target_problems(page, minimum: int = MIN_TARGET_PX) -> list[str]:
    return page.evaluate(_TAP_TARGETS, minimum)


def overflow_problems(page) -> list[str]:
    return page.evaluate(_OVERFLOW)


def truncation_problems(page) -> list[str]:
    return page.evaluate(_TRUNCATION)


def page_problems(page, axe, *, name: str, phone: bool) -> list[str]:
    """Every problem on the page as it is now, each line naming the page."""
    found = [f"axe: {line}" for line in axe(page)]
    found += [f"overflow: {line}" for line in overflow_problems(page)]
    found += [f"truncated: {line}" for line in truncation_problems(page)]
    found += [f"headings: {line}" for line in heading_problems(page)]
    if phone:
        found += [f"tap target: {line}" for line in tap_target_problems(page)]
    return [f"[{name}] {line}" for line in found]
