// The big-tenant path (docs/exports.md): Cost Management exports write their runs into a blob
// container, the manifest.json of a run last. One Event Grid system topic on the export storage
// account and one subscription on it deliver each `Microsoft.Storage.BlobCreated` event of a
// manifest.json in the export container to the ingest_export function (Event Grid schema). The
// function reads the run with the app's identity (Storage Blob Data Reader on the account,
// infra/app/rbac.bicep); no key or SAS is involved.
//
// main.bicep deploys this module only when enableExportIngestion is true: Event Grid checks that
// the function exists when the subscription is created, so the code must be deployed first.
targetScope = 'resourceGroup'

@description('Required. Name of the storage account the Cost Management exports write to.')
param storageAccountName string

@description('Required. Blob container the exports write their runs to.')
param containerName string

@description('Required. Resource id of the function app (its ingest_export function receives the events).')
param functionAppResourceId string

@description('Optional. Region of the system topic: the storage account\'s region. Default: the resource group location.')
param location string = resourceGroup().location

@description('Optional. Tags of the system topic. Default: none.')
param tags object = {}

@minLength(3)
@maxLength(64)
@description('Optional. Name of the event subscription. Default: cost-export-manifests.')
param subscriptionName string = 'cost-export-manifests'

resource exportAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: take('${storageAccountName}-blob-events', 64)
  location: location
  tags: tags
  properties: {
    source: exportAccount.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

// A run is complete only when its manifest.json is written: only those events are delivered,
// one per invocation, retried for up to a day (a replayed event is a no-op in the app).
resource manifests 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: systemTopic
  name: subscriptionName
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionAppResourceId}/functions/ingest_export'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      subjectBeginsWith: '/blobServices/default/containers/${containerName}/blobs/'
      subjectEndsWith: 'manifest.json'
      isSubjectCaseSensitive: false
      // The writes that complete a blob (an empty CreateFile on a hierarchical namespace does not).
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.api'
          values: [
            'PutBlob'
            'PutBlockList'
            'CopyBlob'
            'FlushWithClose'
          ]
        }
      ]
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output systemTopicName string = systemTopic.name
output subscriptionName string = manifests.name
