// The stats capability's public face: everything other modules may use of it.
export { addDays, dayOfYear, localDate, type LocalNow, localNow, startTimeOfDay } from './calendar.js';
export { horizontalBars, lineChart, stackedBars, type Tick } from './chart.js';
export { weeksSoFar, yearRates } from './derive.js';
export { type ActivityRef, loadResultsStats, type ResultsStats, unitLength, WEEKS_IN_CHART } from './results.js';
export { GROUP_COLOURS, RIDE_TYPES, RUN_TYPES, SPORT_GROUPS, sportGroup, type SportGroup } from './sports.js';
export { athleteTimeZone, type Period, PERIODS } from './totals.js';
export {
  CALENDAR_WEEKS,
  type CalendarDay,
  type CumulativeMetric,
  calendarStart,
  dailyVolume,
  parseSportFilter,
  SPORT_FILTERS,
  type SportFigures,
  type SportFilter,
  sportFigures,
  type Totals,
  type YearLine,
  yearOverYear,
  yearOverYearStart,
  yearTotalsByGroup,
} from './training.js';
export { heatGrid, seriesChart, yearLinesChart } from './training-charts.js';
