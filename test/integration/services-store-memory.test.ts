// The ServicesStore contract against MemoryServicesStore.
import t from 'tap';
import { MemoryServicesStore } from '../../frameworks/services/index.js';
import { servicesStoreContract } from './services-store-contract.js';

servicesStoreContract(t, async (_t, auditLimit) => ({ store: new MemoryServicesStore(auditLimit === undefined ? {} : { auditLimit }) }));
