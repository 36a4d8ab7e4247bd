/** The console API's shapes, as the server defines them (src/console/api.ts), under the page's names. */
export type {
  ConsoleBackend as Backend,
  ConsoleEndpoint as Endpoint,
  ConsoleFinding as Finding,
  ConsoleModel as Model,
  ConsoleStage as Stage,
  LiveFigures as Figures,
  LiveView as Live,
} from '../src/console/api.js';
