// The ServicesStore contract against MemoryServicesStore.
import t from 'tap';
import { MemoryServicesStore } from '../../frameworks/services/index.js';
import { servicesStoreContract } from './services-store-contract.js';

servicesStoreContract(t, async () => ({ store: new MemoryServicesStore() }));
