/**
 * Unit-name specifiers in `[X-Fleet]` values, with systemd's meaning
 * (`unit_name_printf`): one left-to-right pass, so a substituted value is
 * never re-expanded.
 *
 *   %n  full name                    foo@a-b.service
 *   %N  name without type suffix     foo@a-b        (escaped, as in systemd)
 *   %p  prefix                       foo
 *   %i  instance                     a-b            ("" when not an instance)
 *   %P  prefix, unescaped            foo
 *   %I  instance, unescaped          a/b
 *   %%  a literal %
 *
 * Quirk #10 decision: systemd's `%N` has never been unescaped (its code
 * returns prefix-and-instance verbatim; the old "Unescaped full unit name"
 * man page wording was corrected to "same as %n, but with the type suffix
 * removed"). We match systemd, and offer the unescaped forms systemd has,
 * `%P` and `%I`. fleet handled only %n %N %p %i; anything else is left as
 * written and reported so the caller can warn.
 */
import { unescapeUnitNamePart } from './escape.js';
import type { UnitNameInfo } from './names.js';

/** Result of expandSpecifiers. */
export interface SpecifierExpansion {
  /** The value with every supported specifier replaced. */
  readonly value: string;
  /** Specifiers left as written (unsupported, a trailing `%`, or an undecodable escape), e.g. `%H`, in order. */
  readonly unexpanded: readonly string[];
}

/** Expands the specifiers of `value` for the unit `info`. Never throws. */
export function expandSpecifiers(value: string, info: UnitNameInfo): SpecifierExpansion {
  let out = '';
  const unexpanded: string[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const spec = value[i + 1];
    const replacement = spec === undefined ? undefined : substitute(spec, info);
    if (replacement === undefined) {
      const literal = spec === undefined ? '%' : `%${spec}`;
      unexpanded.push(literal);
      out += literal;
    } else {
      out += replacement;
    }
    i++;
  }
  return { value: out, unexpanded };
}

/** Specifiers whose expansion contains the instance: `%n %N %i %I`. */
const INSTANCE_SPECIFIERS: ReadonlySet<string> = new Set(['n', 'N', 'i', 'I']);

/**
 * True when `value` uses a specifier whose expansion depends on the instance
 * (`%n %N %i %I`; `%%i` is a literal and does not count), so a template can
 * only be judged on this value once it is instantiated. Never throws.
 */
export function dependsOnInstance(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '%') continue;
    if (INSTANCE_SPECIFIERS.has(value[i + 1] ?? '')) return true;
    i++;
  }
  return false;
}

function substitute(spec: string, info: UnitNameInfo): string | undefined {
  switch (spec) {
    case 'n': return info.fullName;
    case 'N': return info.name;
    case 'p': return info.prefix;
    case 'i': return info.instance;
    case 'P': return unescapeUnitNamePart(info.prefix);
    case 'I': return unescapeUnitNamePart(info.instance);
    case '%': return '%';
    default: return undefined;
  }
}
