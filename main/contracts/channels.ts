// Every IPC channel name, with no dependencies: the sandboxed preload bundles this file and nothing heavier.

export const studyChannels = {
  open: 'study:open',
  choose: 'study:choose',
  recent: 'study:recent',
  item: 'study:item',
  thumbnail: 'study:thumbnail',
} as const;

export const segmentChannels = {
  run: 'segment:run',
  cancel: 'segment:cancel',
  pick: 'segment:pick',
  /** main → renderer events */
  progress: 'segment:progress',
  result: 'segment:result',
} as const;

export const sessionChannels = {
  load: 'session:load',
  mask: 'session:mask',
  saveMask: 'session:save-mask',
  setStatus: 'session:set-status',
  setView: 'session:set-view',
  setSegments: 'session:set-segments',
} as const;

export const exportChannels = {
  chooseDestination: 'export:choose-destination',
  run: 'export:run',
} as const;

export const menuChannels = { command: 'menu:command' } as const;

export const pacsChannels = {
  configure: 'pacs:configure',
  searchStudies: 'pacs:search-studies',
  listSeries: 'pacs:list-series',
  retrieve: 'pacs:retrieve',
  send: 'pacs:send',
  /** main → renderer events */
  progress: 'pacs:progress',
} as const;
