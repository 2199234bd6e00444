// The BatchStore contract against MemoryBatchStore.
import t from 'tap';
import { MemoryBatchStore } from '../../frameworks/batch/store/index.js';
import { batchStoreContract } from './batch-store-contract.js';

batchStoreContract(t, async () => ({ store: new MemoryBatchStore() }));
