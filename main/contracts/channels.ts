// Every IPC channel name, with no dependencies: the sandboxed preload bundles this file and nothing heavier.

export const studyChannels = {
  open: 'study:open',
  choose: 'study:choose',
  recent: 'study:recent',
  item: 'study:item',
  thumbnail: 'study:thumbnail',
  /** preload → main only (not in window.api): the path webUtils read from a file dropped on the window. */
  dropped: 'study:dropped',
} as const;

export const segmentChannels = {
  run: 'segment:run',
  cancel: 'segment:cancel',
  pick: 'segment:pick',
  /** S3-Net's cluster map of an item (what Pick works on), at the item's size. */
  labels: 'segment:labels',
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
  /** main → renderer: the store quarantined a damaged file or recovered from its last good copy. */
  notice: 'session:notice',
  preferences: 'session:preferences',
  setPreferences: 'session:set-preferences',
  terminology: 'session:terminology',
} as const;

export const exportChannels = {
  chooseDestination: 'export:choose-destination',
  run: 'export:run',
  plan: 'export:plan',
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
