/*
 * DDI DMA interface constants (sys/sunddi.h, sys/ddidmareq.h).
 */

/** ddi_dma_alloc_handle() waitfp values: callback "pointers" 1 and 0 */
export const DDI_DMA_SLEEP = 1;
export const DDI_DMA_DONTWAIT = 0;

export const DDI_SUCCESS = 0;
export const DDI_FAILURE = -1;
export const DDI_DMA_NORESOURCES = -3;
export const DDI_DMA_TOOBIG = -4;

export const ENXIO = 6;
export const EIO = 5;
export const ENOMEM = 12;
export const EAGAIN = 11;
