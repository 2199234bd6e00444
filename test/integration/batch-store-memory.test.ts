// The BatchStore contract against MemoryBatchStore.
import t from 'tap';
import { MemoryBatchStore } from '../../frameworks/batch/store/index.js';
import { batchStoreContract } from './batch-store-contract.js';

batchStoreContract(t, async (_t, auditLimit) => ({ store: new MemoryBatchStore(auditLimit === undefined ? {} : { auditLimit }) }));
