// Role assignments for one principal: data roles on the storage account, and (optionally) roles on the
// Application Insights component. Names are deterministic so re-deployments are idempotent.

@description('Object id of the principal that receives the roles.')
param principalId string

@description('Kind of principal (ServicePrincipal for a managed identity, User for a developer).')
@allowed([
  'Device'
  'ForeignGroup'
  'Group'
  'ServicePrincipal'
  'User'
])
param principalType string

@description('Name of the storage account the storage roles are scoped to.')
param storageAccountName string

@description('Role definition ids (GUIDs) granted on the storage account.')
param storageRoleDefinitionIds array

@description('Name of the Application Insights component the monitoring roles are scoped to.')
param applicationInsightsName string

@description('Role definition ids (GUIDs) granted on the Application Insights component.')
param applicationInsightsRoleDefinitionIds array = []

resource storageAccount 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleDefinitionId in storageRoleDefinitionIds: {
    name: guid(storageAccount.id, principalId, roleDefinitionId)
    scope: storageAccount
    properties: {
      principalId: principalId
      principalType: principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)
    }
  }
]

resource applicationInsightsRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleDefinitionId in applicationInsightsRoleDefinitionIds: {
    name: guid(applicationInsights.id, principalId, roleDefinitionId)
    scope: applicationInsights
    properties: {
      principalId: principalId
      principalType: principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)
    }
  }
]
