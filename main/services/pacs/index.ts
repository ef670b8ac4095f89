// Public API of the PACS services: a DICOMweb client (QIDO/WADO/STOW), the retrieve cache, SEG identity and store.
export { DicomWebClient, type PacsConfig, type StoreOutcome } from './client.js';
export { PacsError, type PacsErrorKind } from './errors.js';
export { authorizationHeader, keychainSecretStore, memorySecretStore, type PacsAuth, type SecretCipher, type SecretStore } from './auth.js';
export { SeriesCache, metadataDigest, type RetrieveProgress, type RetrievedSeries, type CacheOptions } from './cache.js';
export { segIdentity, canonicalJson, nameUid, type SegIdentity } from './identity.js';
export { pushSeg, readSegFile, describePush, type PushOutcome, type SegOnDisk } from './store-seg.js';
export { dicomDate, type SearchQuery, type SeriesSummary, type StudySummary, type InstanceSummary, type DicomJson } from './qido.js';
