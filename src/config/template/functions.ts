/** How a template function is declared: Go's parameter types decide how each argument is checked. */
import type { GoValue } from './values.js';

/**
 * `any` is interface{} (a missing value arrives as nil); `value` is reflect.Value (a missing value
 * arrives as undefined); the others must match exactly, as Go's reflection call requires.
 */
export type ParamType = 'any' | 'value' | 'string' | 'int' | 'float' | 'bool' | 'map' | 'list';

export interface TemplateFunction {
  params: readonly ParamType[];
  /** The type of the variadic tail (`...interface{}`), if the function has one. */
  variadic?: ParamType;
  /** Throws an Error whose message becomes `error calling NAME: message`. */
  call(...args: GoValue[]): GoValue;
}

export type FunctionMap = ReadonlyMap<string, TemplateFunction>;

/** Shorthand for declaring a function. */
export function fn(params: readonly ParamType[], call: (...args: never[]) => GoValue, variadic?: ParamType): TemplateFunction {
  return variadic === undefined ? { params, call: call as TemplateFunction['call'] } : { params, variadic, call: call as TemplateFunction['call'] };
}

/** Go's type name of a parameter, for messages. */
export function paramTypeName(type: ParamType): string {
  switch (type) {
    case 'any':
      return 'interface {}';
    case 'value':
      return 'reflect.Value';
    case 'float':
      return 'float64';
    case 'map':
      return 'map[string]interface {}';
    case 'list':
      return '[]interface {}';
    default:
      return type;
  }
}
